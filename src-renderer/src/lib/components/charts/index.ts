export { default as LineChart } from './LineChart.svelte';
export type { ChartPoint, ChartSeries, LineChartProps } from './LineChart.svelte';
export { linearTicks, logTicks, niceDomain, niceStep, makeScale, nearestIndex } from './scales';
export { observeWidth } from './observe-width';
export { default as ChartFrame } from './ChartFrame.svelte';
export { pointerIn } from './pointer';

export { default as ConfirmDialog } from './ConfirmDialog.svelte';
export { default as EmptyState } from './EmptyState.svelte';
export { default as ErrorBanner } from './ErrorBanner.svelte';
export { default as Loading } from './Loading.svelte';
export { default as ProgressBar } from './ProgressBar.svelte';
export { default as StatusBadge } from './StatusBadge.svelte';

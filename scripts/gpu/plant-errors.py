#!/usr/bin/env python3
"""
Plants one error at a time in each kernel of the WebGPU DLRM step (src-main/engine/gpu/dlrm-step)
and runs its agreement tests (dlrm-step.test.ts) on a copy of HEAD, never on the checkout:
every plant must fail at least one test. Needs a WebGPU adapter (llvmpipe is enough).
  python3 scripts/gpu/plant-errors.py [plant numbers...]
"""
import os, subprocess, re, sys, tempfile
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COPY = tempfile.mkdtemp(prefix='dlrm-plant-')
subprocess.run(f'git -C {ROOT} archive HEAD | tar -x -C {COPY}', shell=True, check=True)
os.symlink(os.path.join(ROOT, 'node_modules'), os.path.join(COPY, 'node_modules'))
D = os.path.join(COPY, 'src-main/engine/gpu/dlrm-step/')
plants = [
 ('pool: drops the last lookup of multi-hot bags', 'embedding-bags.ts', 'for (var k = start; k < end; k++) {', 'for (var k = start; k + 1u < end || (k == start && k < end); k++) {'),
 ('sparse update: only the first lookup of a duplicated row', 'embedding-bags.ts', 'for (var s = segmentStart[u]; s < segmentStart[u + 1u]; s++) {', 'for (var s = segmentStart[u]; s < segmentStart[u] + 1u; s++) {'),
 ('sparse update: row-wise Adagrad without the mean over D', 'embedding-bags.ts', "let a = accum${i}[localRow] + sumSquares / ${f32Literal(D)};", "let a = accum${i}[localRow] + sumSquares;"),
 ('dense forward: no bias on the last row of each block', 'dense-layers.ts', "decls.push(`var a${r}_${c} = bias${c};`);", "decls.push(r === R - 1 ? `var a${r}_${c} = bias${c} * 0.0;` : `var a${r}_${c} = bias${c};`);"),
 ('input gradient (hardware blocking): ReLU derivative 1 at 0', 'dense-layers.ts', "`select(0.0, a${r}_${c}, x[${index}] > 0.0)`", "`select(0.0, a${r}_${c}, x[${index}] >= 0.0)`"),
 ('input gradient (llvmpipe blocking, from W^T): ReLU derivative 1 at 0', 'dense-layers.ts', "`select(0.0, ${value}, x[${index}] > 0.0)`", "`select(0.0, ${value}, x[${index}] >= 0.0)`"),
 ('transpose: W^T read one weight off', 'dense-layers.ts', "wt[${offset}u + n * ${paddedFanIn(layer)}u + k] = weights[${layer.weightOffset}u + t];", "wt[${offset}u + n * ${paddedFanIn(layer)}u + k] = weights[${layer.weightOffset}u + min(t + 1u, ${K * N - 1}u)];"),
 ('weight gradient: last row of each batch slice left out', 'dense-layers.ts', 'let last = min(first + ${rowsPerSlice}u, ${batch}u);', 'let last = min(first + ${rowsPerSlice}u, ${batch}u) - 1u;'),
 ('interaction forward: pair dots over D-1 dims', 'interaction.ts', "for (var d = 0u; d < ${D}u; d++) { s += ti[d] * vectorAt(b, j, d); }", "for (var d = 1u; d < ${D}u; d++) { s += ti[d] * vectorAt(b, j, d); }"),
 ('interaction backward: bottom output without its direct gradient', 'interaction.ts', "for (var d = 0u; d < ${D}u; d++) { acc[d] += dz[b * ${W}u + d]; }", "for (var d = 1u; d < ${D}u; d++) { acc[d] += dz[b * ${W}u + d]; }"),
 ('loss: last row of the batch left out', 'loss.ts', 'if (b < params.rows) {', 'if (b + 1u < params.rows) {'),
 ('dense optimizer: sgd with the sparse rate', 'dense-optimizer.ts', "rule = 'weights[i] = w - params.denseLr * g;';", "rule = 'weights[i] = w - params.sparseLr * g;';"),
 ('fp16 tables: rounded toward zero instead of to nearest even', 'table-storage.ts', 'if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) == 1u)) { half = half + 1u; }', 'if (rest > 0x2000u) { half = half + 1u; }'),
 ('bf16 tables: the two numbers of a u32 decoded swapped', 'table-storage.ts', 'return vec4<f32>(bitcast<f32>(p.x << 16u), bitcast<f32>(p.x & 0xffff0000u),', 'return vec4<f32>(bitcast<f32>(p.x & 0xffff0000u), bitcast<f32>(p.x << 16u),'),
 ('dense optimizer: adam without the second-moment bias correction', 'dense-optimizer.ts', '(m / (sqrt(v) / params.adamSqrtCorrection2 +', '(m / (sqrt(v) +'),
]
only = sys.argv[1:] and [int(x) for x in sys.argv[1:]]
for n, (label, f, old, new) in enumerate(plants):
    if only and n not in only: continue
    path = D + f
    src = open(path).read()
    assert src.count(old) == 1, (label, old)
    open(path, 'w').write(src.replace(old, new))
    try:
        out = subprocess.run('timeout 600 npx vitest run src-main/engine/gpu/dlrm-step.test.ts 2>&1', shell=True, cwd=COPY, capture_output=True, text=True).stdout
    finally:
        open(path, 'w').write(src)
    clean = re.sub(r'\x1b\[[0-9;]*m', '', out)
    failed = [l.strip()[2:].strip() for l in clean.splitlines() if l.strip().startswith('×')]
    print(f'{n}. {label} ({f}): {len(failed)} test(s) failed', flush=True)
    for t in failed: print(f'     failed: {t[:130]}', flush=True)

print(f'(copy of HEAD in {COPY})')

#!/usr/bin/env python3
"""DLRM Studio job: train one DLRM with torch.distributed in the hybrid strategy of the DLRM paper.

Written by DLRM Studio into an exported job folder (job.json, data/, init/). The strategy:
  - model parallel tables: each rank owns whole embedding tables (job.json "plan": tableOwner[f] is
    the rank of table f) with their row-wise optimizer state, and pools them for the WHOLE batch;
    a table in plan.rowSplits is split by row ranges over several ranks instead: each holder pools
    the values that fall in its rows (a partial sum), the partial sums are added after the exchange,
    and each holder takes the pooled gradient for the values in its rows;
  - the butterfly: one all_to_all_single sends each rank the pooled vectors of its slice of the batch
    (rank r's slice: rows [start_r, start_r + size_r) of every global batch), and the same exchange
    in reverse brings the gradients of the pooled vectors back to the table owners;
  - data parallel MLPs: every rank holds a replica of the bottom and top MLPs; their gradients (and
    the batch's loss) are summed over ranks by one all_reduce of a flat buffer, then every rank
    takes the same optimizer step, so the replicas stay equal.
The loss is the mean binary cross-entropy over the global batch, as in a one-process run.

Launch (the job folder's README.md has more):
  python3 train_dlrm_hybrid.py --nproc 2               one machine, ranks started by torch.multiprocessing
  torchrun --nproc_per_node 2 train_dlrm_hybrid.py     torchrun (reads RANK, WORLD_SIZE, LOCAL_RANK)
  ... --device cuda                                    NCCL on GPUs (one GPU per rank, cuda:LOCAL_RANK)

Output (folder --out, default <job>/output): metrics.jsonl (one JSON object per line: started,
progress, eval, finished or failed; written by rank 0), weights-rank<r>.bin (the tables rank r
owns; rank 0 also the MLPs), test-predictions.f32 (click probabilities of the test split, in order).
"""
import argparse
import json
import math
import os
import shutil
import socket
import struct
import sys
import time
import traceback

import numpy as np
import torch
import torch.distributed as dist

JOB_FORMAT = "dlrm-studio-torch-job"
MAGIC = b"DLRMSTD1"
ADAGRAD_EPSILON = 1e-10
ADAM_EPSILON = 1e-8
LOG_LOSS_CLIP = 1e-7


# ---------------------------------------------------------------------------------------------
# Tensor files: the app's container (magic, uint32 header length, JSON header, float32 arrays at
# 8-byte aligned offsets from the end of the header).
def read_tensor_file(path, expected_format):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise ValueError(f"{path} is not a DLRM Studio tensor file")
    (header_length,) = struct.unpack_from("<I", raw, 8)
    header = json.loads(raw[12 : 12 + header_length].decode("utf-8"))
    if header["format"] != expected_format:
        raise ValueError(f"{path} is a {header['format']} file, not a {expected_format}")
    start = -(-(12 + header_length) // 8) * 8
    arrays = {}
    for entry in header["arrays"]:
        offset = start + entry["offset"]
        arrays[entry["name"]] = np.frombuffer(raw, dtype="<f4", count=entry["length"], offset=offset).copy()
    return header["meta"], arrays


def write_tensor_file(path, fmt, meta, named_arrays):
    entries = []
    offset = 0
    for name, data in named_arrays:
        entries.append({"name": name, "length": int(data.size), "offset": offset})
        offset += int(data.size) * 4
    header = json.dumps({"format": fmt, "version": 1, "meta": meta, "arrays": entries}).encode("utf-8")
    start = -(-(12 + len(header)) // 8) * 8
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(header)) + header + b"\0" * (start - 12 - len(header)))
        for _, data in named_arrays:
            f.write(np.ascontiguousarray(data, dtype="<f4").tobytes())
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Data: per split, <split>.labels.u8 [N], <split>.dense.f32 [N, I], <split>.categorical.i32 [N, F].
class Split:
    def __init__(self, folder, name, rows, num_dense, num_features):
        self.rows = rows
        if rows == 0:
            self.labels = np.zeros(0, np.uint8)
            self.dense = np.zeros((0, num_dense), np.float32)
            self.categorical = np.zeros((0, num_features), np.int32)
            return
        base = os.path.join(folder, name)
        self.labels = np.memmap(base + ".labels.u8", dtype=np.uint8, mode="r", shape=(rows,))
        self.dense = np.memmap(base + ".dense.f32", dtype="<f4", mode="r", shape=(rows, num_dense))
        self.categorical = np.memmap(base + ".categorical.i32", dtype="<i4", mode="r", shape=(rows, num_features))


def slice_sizes(batch, world):
    """Rows of a global batch each rank's MLPs take: as equal as possible, the first ranks one more."""
    return [batch // world + (1 if r < batch % world else 0) for r in range(world)]


def learning_rate_at(step, total_steps, opt):
    """The app's schedule: linear warm-up, then none / linear / cosine / step decay."""
    lr = opt["learningRate"]
    warmup = max(0, opt.get("warmupSteps", 0))
    if step < warmup:
        return lr * (step + 1) / warmup
    decay_steps = total_steps - warmup
    decay = opt.get("decay", "none")
    if decay == "none" or decay_steps <= 0:
        return lr
    progress = min(1.0, max(0.0, (step - warmup) / decay_steps))
    if decay == "linear":
        return lr * (1 - progress)
    if decay == "cosine":
        return lr * (1 + math.cos(math.pi * progress)) / 2
    if decay == "step":
        return lr * (0.01 if progress >= 0.75 else 0.1 if progress >= 0.5 else 1)
    raise ValueError(f"unknown decay {decay!r}")


def roc_auc(scores, labels):
    """Exact ROC AUC, tied scores counting one half (Mann-Whitney with average ranks)."""
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels) > 0.5
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, np.float64)
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [scores.size]))
    average = (starts + ends + 1) / 2.0  # 1-based average rank of each tie group
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def metrics_of(probabilities, labels):
    p = np.asarray(probabilities, np.float64)
    y = (np.asarray(labels) > 0.5).astype(np.float64)
    if p.size == 0:
        return {}
    clipped = np.clip(p, LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    ctr = float(y.mean())
    entropy = -(ctr * math.log(ctr) + (1 - ctr) * math.log(1 - ctr)) if 0 < ctr < 1 else 0.0
    return {
        "logLoss": log_loss,
        "auc": roc_auc(p, y),
        "accuracy": float(np.mean((p > 0.5) == (y > 0.5))),
        "normalizedEntropy": log_loss / entropy if entropy > 0 else None,
        "meanPrediction": float(p.mean()),
        "observedCtr": ctr,
    }


def balanced_plan(table_sizes, dim, world):
    """Table-wise placement when the job's plan was made for another world size: largest first, to the lightest rank."""
    load = [0] * world
    owner = [0] * len(table_sizes)
    for f in sorted(range(len(table_sizes)), key=lambda t: (-table_sizes[t], t)):
        r = min(range(world), key=lambda k: (load[k], k))
        owner[f] = r
        load[r] += table_sizes[f] * dim
    return owner


# ---------------------------------------------------------------------------------------------
class HybridDlrm:
    """One rank's part of the model: its tables (+ row-wise state) and a replica of the MLPs."""

    def __init__(self, job, init_arrays, rank, world, owner, device, row_splits=()):
        arch = job["architecture"]
        self.dim = arch["embeddingDim"]
        self.num_dense = arch["numDense"]
        self.num_features = arch["numFeatures"]
        self.interaction = arch["interaction"]
        self.rank, self.world, self.device = rank, world, device
        self.owner = owner
        table_sizes = job["tableSizes"]
        self.table_sizes = table_sizes
        # each rank's holdings, table order: (table, first row, end row); a whole table is (f, 0, rows)
        split_of = {s["table"]: s for s in row_splits}
        self.pieces_of = [[] for _ in range(world)]
        for f in range(self.num_features):
            if f in split_of:
                s = split_of[f]
                for k, r in enumerate(s["ranks"]):
                    self.pieces_of[r].append((f, s["rowStarts"][k], s["rowStarts"][k + 1]))
            else:
                self.pieces_of[owner[f]].append((f, 0, table_sizes[f]))
        self.tables_of = [[f for f, _, _ in pieces] for pieces in self.pieces_of]
        self.mine = self.tables_of[rank]
        self.ranges = {f: (start, end) for f, start, end in self.pieces_of[rank]}
        self.tables = {}
        for f in self.mine:
            start, end = self.ranges[f]
            values = init_arrays[f"table/{f}"].reshape(table_sizes[f], self.dim)[start:end]
            self.tables[f] = torch.from_numpy(values.copy()).to(device)
        self.row_state = {f: torch.zeros(self.ranges[f][1] - self.ranges[f][0], device=device) for f in self.mine}

        def layers(sizes, start):
            out = []
            for i in range(len(sizes) - 1):
                k, n = sizes[i], sizes[i + 1]
                linear = torch.nn.Linear(k, n)
                with torch.no_grad():
                    # the app stores a layer's weight as [K, N] (in, out); torch as [N, K]
                    linear.weight.copy_(torch.from_numpy(init_arrays[f"dense/{start + 2 * i}"].reshape(k, n).T.copy()))
                    linear.bias.copy_(torch.from_numpy(init_arrays[f"dense/{start + 2 * i + 1}"].copy()))
                out.append(linear)
            return torch.nn.ModuleList(out).to(device)

        self.bottom = layers(arch["bottomSizes"], 0)
        self.top = layers(arch["topSizes"], 2 * (len(arch["bottomSizes"]) - 1))
        vectors = self.num_features + 1
        if self.interaction == "cat":
            self.pairs = None
        else:
            self_pairs = self.interaction == "dot-self"
            first = [i for i in range(vectors) for j in range(i + 1 if self_pairs else i)]
            second = [j for i in range(vectors) for j in range(i + 1 if self_pairs else i)]
            self.pairs = (torch.tensor(first, device=device), torch.tensor(second, device=device))

    def parameters(self):
        return [p for layer in list(self.bottom) + list(self.top) for p in layer.parameters()]

    def dense_arrays(self):
        """MLP weights in the app's order and layout (per layer weight [K, N], then bias)."""
        out = []
        for layer in list(self.bottom) + list(self.top):
            out.append(layer.weight.detach().cpu().T.contiguous().numpy().reshape(-1))
            out.append(layer.bias.detach().cpu().numpy().reshape(-1))
        return out

    # --- the butterfly -----------------------------------------------------------------------
    def exchange_pooled(self, pooled_mine, sizes):
        """[T_mine, B, D] pooled over the global batch -> [b_rank, F, D] of every table for this rank's slice."""
        D, world, rank = self.dim, self.world, self.rank
        if world == 1:
            received = [pooled_mine]
        else:
            starts = np.cumsum([0] + sizes)
            send = torch.cat([pooled_mine[:, starts[d] : starts[d + 1], :].reshape(-1) for d in range(world)])
            input_splits = [len(self.mine) * sizes[d] * D for d in range(world)]
            output_splits = [len(self.tables_of[s]) * sizes[rank] * D for s in range(world)]
            recv = torch.empty(sum(output_splits), device=self.device)
            dist.all_to_all_single(recv, send.contiguous(), output_splits, input_splits)
            chunks = torch.split(recv, output_splits)
            received = [chunks[s].reshape(len(self.tables_of[s]), sizes[rank], D) for s in range(world)]
        # a split table's partial sums are added in rank order (a whole table: 0 + its vectors)
        pooled = torch.zeros(sizes[rank], self.num_features, D, device=self.device)
        for s in range(world):
            for k, f in enumerate(self.tables_of[s]):
                pooled[:, f, :] += received[s][k]
        return pooled

    def exchange_gradients(self, pooled_grad, sizes):
        """[b_rank, F, D] gradients of this slice -> [T_mine, B, D] gradients of this rank's tables over the global batch."""
        D, world, rank = self.dim, self.world, self.rank
        if world == 1:
            return pooled_grad[:, self.mine, :].permute(1, 0, 2)
        send = torch.cat([pooled_grad[:, self.tables_of[s], :].permute(1, 0, 2).reshape(-1) for s in range(world)])
        input_splits = [len(self.tables_of[s]) * sizes[rank] * D for s in range(world)]
        output_splits = [len(self.mine) * sizes[d] * D for d in range(world)]
        recv = torch.empty(sum(output_splits), device=self.device)
        dist.all_to_all_single(recv, send.contiguous(), output_splits, input_splits)
        chunks = torch.split(recv, output_splits)
        return torch.cat([chunks[d].reshape(len(self.mine), sizes[d], D) for d in range(world)], dim=1)

    # --- forward -----------------------------------------------------------------------------
    def pool_mine(self, categorical):
        """categorical [B, F] (int64) -> [T_mine, B, D] (one value per row and feature: the pooled sum is the row)."""
        if not self.mine:
            return torch.empty(0, categorical.shape[0], self.dim, device=self.device)
        out = []
        for f in self.mine:
            start, end = self.ranges[f]
            index = categorical[:, f]
            if start == 0 and end == self.table_sizes[f]:
                out.append(self.tables[f][index])
                continue
            # a row range: the values outside it count 0 here (another holder adds them)
            inside = (index >= start) & (index < end)
            local = torch.where(inside, index - start, torch.zeros_like(index))
            out.append(self.tables[f][local] * inside.unsqueeze(1).to(self.tables[f].dtype))
        return torch.stack(out)

    def logits(self, dense, pooled):
        """dense [b, I], pooled [b, F, D] -> logits [b]."""
        x = dense
        for layer in self.bottom:
            x = torch.relu(layer(x))
        vectors = torch.cat([x.unsqueeze(1), pooled], dim=1)  # [b, V, D]
        if self.pairs is None:
            z = vectors.reshape(vectors.shape[0], -1)
        else:
            dots = torch.bmm(vectors, vectors.transpose(1, 2))
            z = torch.cat([x, dots[:, self.pairs[0], self.pairs[1]]], dim=1)
        for i, layer in enumerate(self.top):
            z = layer(z)
            if i < len(self.top) - 1:
                z = torch.relu(z)
        return z.reshape(-1)

    # --- sparse update -------------------------------------------------------------------------
    def update_tables(self, categorical, grads, lr, rule, weight_decay):
        """grads [T_mine, B, D]: duplicates summed per row, then SGD or row-wise Adagrad (the app's rules)."""
        for k, f in enumerate(self.mine):
            start, end = self.ranges[f]
            index, grad = categorical[:, f], grads[k]
            if not (start == 0 and end == self.table_sizes[f]):
                inside = (index >= start) & (index < end)
                index, grad = index[inside] - start, grad[inside]
                if index.numel() == 0:
                    continue
            rows, inverse = torch.unique(index, return_inverse=True)
            summed = torch.zeros(rows.shape[0], self.dim, device=self.device).index_add_(0, inverse, grad)
            table = self.tables[f]
            if weight_decay > 0:
                summed += weight_decay * table[rows]
            if rule == "sgd":
                table[rows] -= lr * summed
            else:
                state = self.row_state[f]
                state[rows] += (summed * summed).mean(dim=1)
                table[rows] -= (lr / (torch.sqrt(state[rows]) + ADAGRAD_EPSILON)).unsqueeze(1) * summed


def make_dense_optimizer(kind, params, lr, weight_decay):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=ADAGRAD_EPSILON, initial_accumulator_value=0.0, weight_decay=weight_decay)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=ADAM_EPSILON, weight_decay=weight_decay)
    raise ValueError(f"unknown dense optimizer {kind!r}")


class MetricsLog:
    """JSON lines, flushed one by one, so a follower sees each event as it happens (rank 0 only)."""

    def __init__(self, path, enabled):
        self.file = open(path, "a", encoding="utf-8") if enabled else None

    def write(self, event):
        if self.file is not None:
            self.file.write(json.dumps(event) + "\n")
            self.file.flush()

    def close(self):
        if self.file is not None:
            self.file.close()


def run(rank, world, local_rank, args):
    job_dir = args.job
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as f:
        job = json.load(f)
    if job.get("format") != JOB_FORMAT:
        raise ValueError(f"{job_dir}/job.json is not a {JOB_FORMAT} file")
    out = args.out or os.path.join(job_dir, "output")
    os.makedirs(out, exist_ok=True)
    log = MetricsLog(os.path.join(out, "metrics.jsonl"), rank == 0)
    started = time.perf_counter()
    try:
        device = torch.device(f"cuda:{local_rank}" if args.device == "cuda" else "cpu")
        if args.device == "cuda":
            torch.cuda.set_device(device)
        arch = job["architecture"]
        plan = job["plan"]
        same_world = plan["worldSize"] == world
        owner = plan["tableOwner"] if same_world else balanced_plan(job["tableSizes"], arch["embeddingDim"], world)
        row_splits = (plan.get("rowSplits") or []) if same_world else []
        _, init_arrays = read_tensor_file(os.path.join(job_dir, "init", "weights.bin"), "dlrm-studio-torch-init")
        model = HybridDlrm(job, init_arrays, rank, world, owner, device, row_splits)
        del init_arrays

        data_dir = os.path.join(job_dir, "data")
        rows = job["rows"]
        splits = {name: Split(data_dir, name, rows[name], arch["numDense"], arch["numFeatures"]) for name in ("train", "valid", "test")}
        optimizer_spec, train_spec = job["optimizer"], job["train"]
        batch = train_spec["batchSize"]
        epochs = train_spec["epochs"]
        eval_every = train_spec["evalEvery"]
        seed = train_spec["seed"]
        weight_decay = optimizer_spec.get("weightDecay", 0.0) or 0.0
        sparse_factor = (optimizer_spec.get("sparseLearningRate") or optimizer_spec["learningRate"]) / optimizer_spec["learningRate"]
        eval_batch = max(batch, 4096)
        steps_per_epoch = -(-splits["train"].rows // batch)
        total_steps = steps_per_epoch * epochs
        params = model.parameters()
        dense_optimizer = make_dense_optimizer(optimizer_spec["dense"], params, optimizer_spec["learningRate"], weight_decay)
        param_count = sum(s * arch["embeddingDim"] for s in job["tableSizes"]) + sum(p.numel() for p in params)
        if rank == 0 and os.path.abspath(out) != os.path.abspath(job_dir):
            # the output folder alone is enough to follow and import the run (a copied log folder)
            shutil.copyfile(os.path.join(job_dir, "job.json"), os.path.join(out, "job.json"))
            if os.path.isdir(os.path.join(job_dir, "app")):
                shutil.copytree(os.path.join(job_dir, "app"), os.path.join(out, "app"), dirs_exist_ok=True)
        backend_name = dist.get_backend() if world > 1 else "none"
        per_rank = [len(t) for t in model.tables_of]
        log.write({
            "type": "started",
            "backend": f"torch-{backend_name}" if world > 1 else "torch",
            "detail": f"PyTorch {torch.__version__}, {world} rank{'s' if world > 1 else ''} ({backend_name}, {args.device}); tables per rank {per_rank}; {torch.get_num_threads()} threads per rank",
            "paramCount": int(param_count),
            "totalSteps": total_steps,
            "worldSize": world,
            "tableOwner": owner,
        })

        def to_device(array, dtype):
            return torch.tensor(np.asarray(array), dtype=dtype, device=device)

        def predict(split):
            """Click probabilities of a split in stored order (rank 0 gets them all; others None)."""
            parts = []
            with torch.no_grad():
                for begin in range(0, split.rows, eval_batch):
                    end = min(split.rows, begin + eval_batch)
                    b = end - begin
                    sizes = slice_sizes(b, world)
                    mine_begin = begin + sum(sizes[:rank])
                    categorical = to_device(split.categorical[begin:end], torch.int64)
                    pooled = model.exchange_pooled(model.pool_mine(categorical), sizes)
                    dense = to_device(split.dense[mine_begin : mine_begin + sizes[rank]], torch.float32)
                    p = torch.sigmoid(model.logits(dense, pooled))
                    if world > 1:
                        padded = torch.zeros(max(sizes), device=device)
                        padded[: sizes[rank]] = p
                        gathered = [torch.zeros(max(sizes), device=device) for _ in range(world)]
                        dist.all_gather(gathered, padded)
                        p = torch.cat([gathered[r][: sizes[r]] for r in range(world)])
                    parts.append(p.double().cpu().numpy())
            return np.concatenate(parts) if parts else np.zeros(0)

        position = {"step": 0, "samples": 0}

        def evaluate(name):
            split = splits[name]
            if split.rows == 0:
                return None
            probabilities = predict(split)
            metrics = metrics_of(probabilities, split.labels)
            seconds = time.perf_counter() - started
            metrics["samplesPerSec"] = position["samples"] / seconds if position["samples"] > 0 else None
            log.write({"type": "eval", "step": position["step"], "samplesSeen": position["samples"], "split": name, "metrics": metrics, "wallTime": seconds})
            return metrics, probabilities

        train = splits["train"]
        window = {"loss": 0.0, "steps": 0, "samples": 0, "start": time.perf_counter()}
        last_emit = 0.0
        last_valid_step = -1
        for epoch in range(epochs):
            # epoch 0 in stored order (the app's own first epoch, as exported); later epochs shuffled by (seed, epoch)
            order = None if epoch == 0 else np.random.default_rng([seed, epoch]).permutation(train.rows)
            for begin in range(0, train.rows, batch):
                end = min(train.rows, begin + batch)
                b = end - begin
                index = np.arange(begin, end) if order is None else order[begin:end]
                sizes = slice_sizes(b, world)
                lo = sum(sizes[:rank])
                mine = index[lo : lo + sizes[rank]]
                categorical_np = train.categorical[index]
                dense_np = train.dense[mine]
                labels_np = train.labels[mine]
                lr = learning_rate_at(position["step"], total_steps, optimizer_spec)

                categorical = to_device(categorical_np, torch.int64)
                pooled = model.exchange_pooled(model.pool_mine(categorical), sizes).requires_grad_(True)
                dense = to_device(dense_np, torch.float32)
                labels = to_device(labels_np, torch.float32)
                logits = model.logits(dense, pooled)
                loss_sum = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="sum")
                for p in params:
                    p.grad = None
                (loss_sum / b).backward()
                # data parallel: one all_reduce of every MLP gradient and the loss
                grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
                flat = torch.cat([g.reshape(-1) for g in grads] + [loss_sum.detach().reshape(1)])
                if world > 1:
                    dist.all_reduce(flat)
                at = 0
                for p in params:
                    n = p.numel()
                    p.grad = flat[at : at + n].reshape(p.shape).clone()
                    at += n
                batch_loss = float(flat[at]) / b
                for group in dense_optimizer.param_groups:
                    group["lr"] = lr
                dense_optimizer.step()
                # model parallel: the pooled gradients go back to the tables' owners
                table_grads = model.exchange_gradients(pooled.grad, sizes)
                with torch.no_grad():
                    model.update_tables(categorical, table_grads, lr * sparse_factor, optimizer_spec["sparse"], weight_decay)

                position["step"] += 1
                position["samples"] += b
                window["loss"] += batch_loss
                window["steps"] += 1
                window["samples"] += b
                now = time.perf_counter()
                last = position["step"] == total_steps
                if last or now - last_emit >= args.progress_seconds:
                    seconds = now - started
                    per_step = seconds / position["step"]
                    log.write({
                        "type": "progress",
                        "step": position["step"],
                        "totalSteps": total_steps,
                        "epoch": epoch,
                        "samplesSeen": position["samples"],
                        "samplesPerSec": window["samples"] / max(now - window["start"], 1e-9),
                        "loss": window["loss"] / window["steps"],
                        "lr": lr,
                        "etaSeconds": (total_steps - position["step"]) * per_step,
                        "wallTime": seconds,
                    })
                    window = {"loss": 0.0, "steps": 0, "samples": 0, "start": now}
                    last_emit = now
                if eval_every > 0 and position["step"] % eval_every == 0 and not last:
                    evaluate("valid")
                    last_valid_step = position["step"]
            if eval_every == 0 and epoch < epochs - 1:
                evaluate("valid")
                last_valid_step = position["step"]

        valid = evaluate("valid") if last_valid_step != position["step"] else None
        test = evaluate("test")
        # weights: each rank its tables, rank 0 also the MLPs (the app's layout)
        # a row range of a split table is named table/<f>@<first row>
        named = [
            (f"table/{f}" if model.ranges[f] == (0, model.table_sizes[f]) else f"table/{f}@{model.ranges[f][0]}", model.tables[f].cpu().numpy().reshape(-1))
            for f in model.mine
        ]
        if rank == 0:
            named += [(f"dense/{i}", a) for i, a in enumerate(model.dense_arrays())]
        write_tensor_file(
            os.path.join(out, f"weights-rank{rank}.bin"),
            "dlrm-studio-torch-weights",
            {"rank": rank, "worldSize": world, "tables": model.mine, "step": position["step"]},
            named,
        )
        if rank == 0 and test is not None:
            test[1].astype("<f4").tofile(os.path.join(out, "test-predictions.f32"))
        if world > 1:
            dist.barrier()
        log.write({
            "type": "finished",
            "step": position["step"],
            "samplesSeen": position["samples"],
            "wallTime": time.perf_counter() - started,
            "valid": valid[0] if valid else None,
            "test": test[0] if test else None,
            "weights": [f"weights-rank{r}.bin" for r in range(world)],
        })
    except Exception as error:  # the follower must learn that the run failed, and why
        log.write({"type": "failed", "error": f"rank {rank}: {type(error).__name__}: {error}"})
        traceback.print_exc()
        raise
    finally:
        log.close()


def spawned(local_rank, world, port, args):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    setup_and_run(local_rank, world, local_rank, args)


def setup_and_run(rank, world, local_rank, args):
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // max(1, args.local_world)))
    if world > 1:
        backend = args.backend or ("nccl" if args.device == "cuda" else "gloo")
        dist.init_process_group(backend, rank=rank, world_size=world)
    try:
        run(rank, world, local_rank, args)
    finally:
        if world > 1:
            dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", default=os.path.dirname(os.path.abspath(__file__)), help="job folder (default: this script's)")
    parser.add_argument("--out", default=None, help="output folder (default <job>/output)")
    parser.add_argument("--nproc", type=int, default=1, help="ranks to start on this machine when not under torchrun")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--backend", choices=["gloo", "nccl"], default=None, help="default: nccl with --device cuda, else gloo")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per rank (default: cores / local ranks)")
    parser.add_argument("--progress-seconds", type=float, default=0.5, help="least seconds between progress lines")
    args = parser.parse_args(argv)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        # under torchrun (or any launcher that sets the env:// variables)
        args.local_world = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        setup_and_run(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", "0")), args)
    elif args.nproc > 1:
        args.local_world = args.nproc
        torch.multiprocessing.spawn(spawned, args=(args.nproc, free_port(), args), nprocs=args.nproc, join=True)
    else:
        args.local_world = 1
        setup_and_run(0, 1, 0, args)


if __name__ == "__main__":
    main(sys.argv[1:])

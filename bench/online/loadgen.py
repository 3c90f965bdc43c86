"""Open-loop gRPC load generator on the C-core client (python3-grpcio).

Sends pre-serialized request bytes (no codegen: raw bytes in and out), so
its own overhead stays small and equal for every RPC measured.

  open:  loadgen.py open  TARGET METHOD REQUESTS_FILE RATE SECONDS WARMUP
         sends at a fixed rate regardless of replies; prints latency
         percentiles (ms, measured from each send) as JSON.
  max:   loadgen.py max   TARGET METHOD REQUESTS_FILE CONCURRENCY SECONDS
         keeps CONCURRENCY calls in flight; prints completed calls/s.

REQUESTS_FILE: u32le count, then per request u32le length + bytes ("-" = one empty request).
"""
import json
import os
import struct
import sys
import threading
import time

import grpc


def read_requests(path):
    if path == "-":
        return [b""]
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<I", data, 0)
    pos, out = 4, []
    for _ in range(n):
        (length,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4 : pos + 4 + length])
        pos += 4 + length
    return out


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def connect(target):
    channel = grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", 64 << 20)])
    grpc.channel_ready_future(channel).result(timeout=10)
    return channel


def run_open(target, method, requests, rate, seconds, warmup):
    channel = connect(target)
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    lock = threading.Lock()
    latencies, errors = [], []
    trace = [] if os.environ.get("LOADGEN_TRACE") else None
    pending = [0]
    done_all = threading.Event()
    total = int((warmup + seconds) * rate)
    warm = int(warmup * rate)

    def on_done(fut, sent, i):
        elapsed = time.perf_counter() - sent
        with lock:
            if fut.exception() is not None:
                errors.append(str(fut.exception().code()))
            else:
                if i >= warm:
                    latencies.append(elapsed * 1000.0)
                if trace is not None:
                    trace.append((sent - start, elapsed * 1000.0))
            pending[0] -= 1
            if pending[0] == 0 and i >= total - 1:
                done_all.set()

    start = time.perf_counter()
    for i in range(total):
        target_time = start + i / rate
        # Sleep (not spin) until just before the send time: a spinning generator would take a
        # core from the server it measures on a small machine.
        while True:
            now = time.perf_counter()
            if now >= target_time:
                break
            if target_time - now > 0.0003:
                time.sleep(target_time - now - 0.0002)
        with lock:
            pending[0] += 1
        sent = time.perf_counter()
        fut = call.future(requests[i % len(requests)], timeout=10)
        fut.add_done_callback(lambda f, s=sent, k=i: on_done(f, s, k))
    done_all.wait(timeout=30)
    achieved = total / (time.perf_counter() - start)
    latencies.sort()
    channel.close()
    if trace is not None:
        # LOADGEN_TRACE=FILE: every call's send time (s from start, warm-up included) and latency (ms).
        with open(os.environ["LOADGEN_TRACE"], "w") as f:
            for t, ms in sorted(trace):
                f.write(f"{t:.4f} {ms:.3f}\n")
    return {
        "count": len(latencies),
        "errors": len(errors),
        "error_codes": sorted(set(errors))[:3],
        "rate": rate,
        "achieved_send_rate": round(achieved, 1),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "p999": percentile(latencies, 0.999),
    }


def run_max(target, method, requests, concurrency, seconds):
    channel = connect(target)
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    stop_at = [0.0]
    counts = [0] * concurrency
    errors = [0] * concurrency

    def worker(w):
        i = w
        while time.perf_counter() < stop_at[0]:
            try:
                call(requests[i % len(requests)], timeout=10)
                counts[w] += 1
            except grpc.RpcError:
                errors[w] += 1
            i += concurrency

    # Warm up, then measure.
    stop_at[0] = time.perf_counter() + 1.0
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts[:] = [0] * concurrency
    start = time.perf_counter()
    stop_at[0] = start + seconds
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    channel.close()
    return {"throughput": round(sum(counts) / elapsed, 1), "errors": sum(errors), "concurrency": concurrency}


def main():
    mode, target, method, path = sys.argv[1:5]
    requests = read_requests(path)
    if mode == "open":
        rate, seconds, warmup = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
        print(json.dumps(run_open(target, method, requests, rate, seconds, warmup)))
    elif mode == "max":
        concurrency, seconds = int(sys.argv[5]), float(sys.argv[6])
        print(json.dumps(run_max(target, method, requests, concurrency, seconds)))
    else:
        raise SystemExit("mode must be open or max")


if __name__ == "__main__":
    main()

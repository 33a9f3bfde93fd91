import Dispatch
import Tensor

/// Shares a layer's independent blocks of work out over the cores, each block's GEMM on the core
/// that runs it (OpenBLAS held to one thread meanwhile). Why not OpenBLAS's own threads: between
/// its GEMMs they spin on sched_yield for a while, taking a core from the im2col copies in between;
/// and a core that copies its own block and multiplies it at once finds the block in its own
/// cache (docs/reference.md, "bench train").
public enum Workers {
    /// As many as OpenBLAS would use: every core, or OPENBLAS_NUM_THREADS (OMP_NUM_THREADS) when
    /// set, so a batch of runs side by side can hold each to one. Read at first use, which comes
    /// before any `run` holds OpenBLAS to one thread (layers read it when they are built).
    public static let cores = max(1, Gemm.threads)

    /// body(worker) for worker in 0..<count, concurrently, OpenBLAS on one thread meanwhile;
    /// returns when all are done.
    static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else { return body(0) }
        let before = Gemm.threads
        if before != 1 { Gemm.threads = 1 }
        defer { if before != 1 { Gemm.threads = before } }
        concurrently(count, body)
    }

    /// body(i) for i in 0..<count on GCD's threads; returns when all are done.
    static func concurrently(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            // Safe: concurrentPerform returns only when every call is done.
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }

    /// C = alpha · op(A) · op(B) + beta · C with C's rows split over `count` workers (`Gemm.multiply`'s
    /// contract; packed leading dimensions unless given). For a product too small to split by blocks.
    static func multiply(_ count: Int, m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
                         b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
                         c: UnsafeMutablePointer<Float>, ldc: Int? = nil, beta: Float = 0) {
        let strideA = lda ?? (transposeA ? m : k), strideC = ldc ?? n
        // At least 16 rows each: thinner slices lose more to packing B again than they gain.
        let parts = max(1, min(count, m / 16))
        run(parts) { part in
            let rows = part * m / parts..<(part + 1) * m / parts
            // Row r of op(A) starts at r·lda, or at column r when A is stored transposed.
            Gemm.multiply(m: rows.count, n: n, k: k, a: a + rows.lowerBound * (transposeA ? 1 : strideA), transposeA: transposeA,
                          lda: strideA, b: b, transposeB: transposeB, ldb: ldb, c: c + rows.lowerBound * strideC, ldc: strideC,
                          beta: beta)
        }
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

internal import COpenBLAS

/// The one place nicer reaches cblas. C = alpha · op(A) · op(B) + beta · C, row-major,
/// op(X) = X or Xᵀ. A is M×K after op, B is K×N after op, C is M×N.
public enum Gemm {
    /// Threads OpenBLAS may use; defaults to the library's own choice (the core count).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Description of the OpenBLAS build and the kernel it picked for this CPU.
    public static var backend: String {
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown core"
        return "\(config) [\(core)]"
    }

    /// Leading dimensions (row strides) default to packed storage; pass them to work on a block
    /// of columns inside wider rows.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
        b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m > 0 && n > 0 && k > 0, "gemm dimensions must be positive")
        let strideA = lda ?? (transposeA ? m : k)
        let strideB = ldb ?? (transposeB ? k : n)
        let strideC = ldc ?? n
        precondition(strideA >= (transposeA ? m : k) && strideB >= (transposeB ? k : n) && strideC >= n,
                     "leading dimension shorter than a row")
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(strideA), b, Int32(strideB),
                    beta, c, Int32(strideC))
    }

    /// Triple-loop reference with the same contract, accumulated in Double; for tests only.
    public static func multiplyNaive(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transposeA: Bool = false,
        b: UnsafePointer<Float>, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * n + j])
                c[i * n + j] = Float(Double(alpha) * sum + prior)
            }
        }
    }
}

/// An exact frame rate or time base, as FFmpeg keeps them (30000/1001, not 29.97).
public struct Rational: Equatable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let num: Int
    public let den: Int

    public init(_ num: Int, _ den: Int) {
        precondition(den != 0, "rational with zero denominator")
        self.num = num
        self.den = den
    }

    public var value: Double { Double(num) / Double(den) }
    public var inverse: Rational { Rational(den, num) }
    public var description: String { den == 1 ? "\(num)" : "\(num)/\(den)" }

    /// Parses "25", "30000/1001" or "29.97" (the last as a rational over 1000).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0 {
            self.init(n, d)
        } else if parts.count == 1, let n = Int(parts[0]), n > 0 {
            self.init(n, 1)
        } else if parts.count == 1, let v = Double(parts[0]), v > 0, v < 1_000_000 {
            self.init(Int((v * 1000).rounded()), 1000)
        } else {
            return nil
        }
    }
}

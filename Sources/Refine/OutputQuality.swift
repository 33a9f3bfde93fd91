import Foundation
import Media

/// How refined.mp4 is coded: x264's constant rate factor, its colour resolution, and why.
///
/// The refined video is a second generation of coding, and what that generation loses reads as
/// flicker where a swap is steady (docs/real-footage.md, "The encoder's share"):
/// - **Quantiser.** On DeepFaceLive's David_Kovalniy_0 (swap coded at about CRF 12, e_stab median
///   3.21 ×10⁻⁵) the swap itself re-encoded at the old fixed CRF 16 measured 4.21, at 12 3.47.
///   So `auto` codes 2 steps finer than the finer input (its P frames' mean quantiser,
///   `CodingQuality.equivalentCRF`), never coarser than 16 (FF++'s c23 swaps, about CRF 24,
///   still get 16) and never losslessly (x264's lossless mode needs the High 4:4:4 profile).
/// - **Colour resolution.** 4:2:0 halves the colour's resolution, and moving colour edges then
///   step from frame to frame: Matilda_Bobbie_0's 4:4:4 swap re-coded as 4:2:0 went from 8.48 to
///   12.0 at any CRF (2…16), and to 8.62 as 4:4:4 at CRF 10. So `auto` keeps 4:4:4 when either
///   input has it (that file then needs a player that decodes High 4:4:4, as the input did).
public struct OutputQuality: Codable, Equatable, Sendable {
    public var crf: Int
    public var fullChroma: Bool
    public var reason: String

    /// CRF steps finer than the inputs' own coding.
    public static let margin = 2
    /// The coarsest `auto` codes at (refine's fixed CRF before it followed the inputs).
    public static let ceiling = 16
    /// The finest `auto` codes at (0 would be lossless).
    public static let floor = 1

    /// `requestedCRF`, `requestedFullChroma`: --crf and --chroma when given (nil: auto); `target`,
    /// `proxy`: how each input was coded and whether it keeps colour at full resolution;
    /// `evenSize`: whether both frame sides are even (4:2:0 needs them, so `VideoWriter` codes an
    /// odd-sized frame in 4:4:4 whatever was asked, and the reason says so).
    public static func resolve(requestedCRF: Int?, requestedFullChroma: Bool?, evenSize: Bool = true,
                               target: (coding: CodingQuality?, fullChroma: Bool), proxy: (coding: CodingQuality?, fullChroma: Bool)) -> OutputQuality {
        let crf: Int, crfReason: String
        let inputs = [("proxy", proxy.coding), ("target", target.coding)].compactMap { name, coding in coding?.equivalentCRF.map { (name, $0) } }
        if let requestedCRF {
            (crf, crfReason) = (requestedCRF, "CRF \(requestedCRF) (--crf)")
        } else if let finest = inputs.min(by: { $0.1 < $1.1 }) {
            crf = min(ceiling, max(floor, Int(finest.1.rounded(.down)) - margin))
            crfReason = String(format: "CRF %d: the %@ is coded at about CRF %.1f (its P frames' mean quantiser); %d finer, within %d…%d",
                               crf, finest.0, finest.1, margin, floor, ceiling)
        } else {
            (crf, crfReason) = (ceiling, "CRF \(ceiling): neither input's quantisers are known")
        }
        var full: Bool, chromaReason: String
        if let requestedFullChroma {
            (full, chromaReason) = (requestedFullChroma, "--chroma \(requestedFullChroma ? 444 : 420)")
        } else {
            full = proxy.fullChroma || target.fullChroma
            chromaReason = full ? "\(proxy.fullChroma ? "the proxy" : "the target") has full-resolution colour" : "both inputs are 4:2:0 or 4:2:2"
        }
        if !evenSize && !full {
            (full, chromaReason) = (true, "a side of the frame is odd, and 4:2:0 needs even sides")
        }
        return OutputQuality(crf: crf, fullChroma: full, reason: crfReason + "; " + (full ? "4:4:4" : "4:2:0") + ": " + chromaReason)
    }
}

import Foundation

/// The training crop's side, from the face's own resolution in the frame: a step's cost grows
/// with the side squared, and a 150-px face upsampled to 256² costs 2.9× its native fit while
/// adding no detail the paste-back could keep (it is resampled down again).
public struct CropSize: Codable, Equatable, Sendable {
    /// Side of the n×n crops the fit trains on and renders.
    public var side: Int
    /// The face's crop box side in frame pixels the rule went by (95th percentile over the clip).
    public var nativeSide: Double
    /// Why this side: "native …, rounded up to a multiple of 32" or "capped by --size 256".
    public var reason: String

    /// The smallest multiple of `2^levels` (the UNet halves the side levels − 1 times and the
    /// coarse phase once more) that holds the boxes' 95th-percentile side, at least 64 and at most
    /// `cap` (itself such a multiple). The percentile, not the maximum: a single outsized box (a
    /// tracker's slip, smoothed but not gone) must not set the whole clip's cost.
    public static func resolve(boxes: [CropBox], cap: Int, levels: Int) -> CropSize {
        let multiple = 1 << max(levels, 1)
        let sides = boxes.map(\.side).sorted()
        let native = sides.isEmpty ? Double(cap) : sides[min(sides.count - 1, Int(0.95 * Double(sides.count - 1)))]
        let floor = (64 + multiple - 1) / multiple * multiple
        let rounded = max(floor, Int((native / Double(multiple)).rounded(.up)) * multiple)
        if rounded >= cap {
            return CropSize(side: cap, nativeSide: native,
                            reason: String(format: "the face's crops span %.0f px in the frame (95th percentile over the clip); capped at %d (--size)", native, cap))
        }
        return CropSize(side: rounded, nativeSide: native,
                        reason: String(format: "the face's crops span %.0f px in the frame (95th percentile over the clip), rounded up to a multiple of %d (cap %d, --size)",
                                       native, multiple, cap))
    }
}

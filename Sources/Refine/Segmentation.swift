import Tensor

/// Scene cuts and segments: runs of frames without a cut, each split into segments no longer
/// than `length` that share `overlap` frames with their neighbour.
enum Segmentation {
    /// A 32×32 grey thumbnail (point-sampled, the mean of the channels) in [0, 1]: what the cut
    /// detector and `PairCheck` compare.
    static func thumbnail(_ image: Image8) -> [Float] {
        (0..<1024).map { k in
            let x = (k % 32) * image.width / 32, y = (k / 32) * image.height / 32
            let o = (y * image.width + x) * image.channels
            return (0..<min(3, image.channels)).reduce(Float(0)) { $0 + Float(image.pixels[o + $1]) } / (255 * Float(min(3, image.channels)))
        }
    }

    static func change(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count) }

    static func runs(cutsBefore cuts: [Int], frames: Int) -> [Range<Int>] {
        let starts = [0] + cuts.filter { $0 > 0 && $0 < frames }.sorted()
        return zip(starts, starts.dropFirst() + [frames]).map { $0..<$1 }
    }

    static func segments(_ runs: [Range<Int>], length: Int, overlap: Int) -> [Range<Int>] {
        runs.flatMap { run -> [Range<Int>] in
            guard run.count > length else { return [run] }
            let stride = length - overlap
            var out: [Range<Int>] = [], start = run.lowerBound
            while true {
                let end = min(start + length, run.upperBound)
                out.append(start..<end)
                if end == run.upperBound { break }
                start += stride
                // Keep the last segment from being a sliver: stretch the one before it instead.
                if run.upperBound - start <= overlap { out[out.count - 1] = out[out.count - 1].lowerBound..<run.upperBound; break }
            }
            return out
        }
    }

    /// Linear fusion weights in overlaps: a frame shared by two segments fades from the earlier
    /// segment's output to the later one's across the overlap, so no seam flickers.
    static func fusionWeight(_ t: Int, segment: Range<Int>, segments: [Range<Int>]) -> Float {
        var w: Float = 1
        for other in segments where other != segment && other.overlaps(segment) && other.contains(t) {
            let shared = max(other.lowerBound, segment.lowerBound)..<min(other.upperBound, segment.upperBound)
            let position = (Float(t - shared.lowerBound) + 0.5) / Float(shared.count)
            w = min(w, other.lowerBound < segment.lowerBound ? position : 1 - position)
        }
        return w
    }
}

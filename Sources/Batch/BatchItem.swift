import Foundation

/// One pair of a batch: a swap (the proxy) of a target, and where its refined video goes.
public struct BatchItem: Codable, Equatable, Sendable {
    /// The swap method's name (FF++: the folder under manipulated_sequences; CSV: its column, else "custom").
    public var method: String
    /// FF++'s compression level (c23, c40, raw), or "custom" for a CSV list.
    public var compression: String
    /// The swap's file name without extension (FF++: NNN_MMM).
    public var stem: String
    public var target: String
    public var proxy: String
    /// A photo of the swapped-in identity, when the list gives one.
    public var identity: String?
    /// FF++'s official split (train, val, test) when the split files are present.
    public var split: String?
    /// The target's frame count, for the cost estimate (header count; 0 when unknown).
    public var frames: Int = 0
    /// The target's frame size in megapixels (for the estimate; 0 when unknown).
    public var megapixels: Double = 0

    public init(method: String, compression: String, stem: String, target: String, proxy: String,
                identity: String? = nil, split: String? = nil) {
        (self.method, self.compression, self.stem, self.target, self.proxy, self.identity, self.split) =
            (method, compression, stem, target, proxy, identity, split)
    }

    /// Unique in a batch and safe as a file name: method, compression and stem.
    public var id: String { [method, compression, stem].map(Self.safe).joined(separator: "__") }

    /// Where the refined video goes, relative to the batch folder: FF++'s tree with the method
    /// renamed `<Method>-NICe`, so a pipeline that reads FF++ reads it.
    public var refinedPath: String { "manipulated_sequences/\(Self.safe(method))-NICe/\(Self.safe(compression))/videos/\(Self.safe(stem)).mp4" }
    /// refine's report.json, beside the video.
    public var reportPath: String { String(refinedPath.dropLast(4)) + ".json" }

    static func safe(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }
}

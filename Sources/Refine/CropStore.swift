import Foundation
import Media
public import Tensor

#if canImport(Glibc)
import Glibc
#endif

/// Fixed-size records in a scratch file, written and read by index (pwrite/pread). The file is
/// unlinked as soon as it is opened, so it takes disk space only while the run holds it and
/// nothing is left behind, killed or not.
final class ScratchRecords {
    let path: String
    let recordBytes: Int
    private let descriptor: Int32

    init(path: String, recordBytes: Int) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw PipelineError("scratch file \(path): \(String(cString: strerror(errno))) (open)") }
        unlink(path)
        self.path = path
        self.recordBytes = recordBytes
    }

    deinit { close(descriptor) }

    func write(_ index: Int, _ bytes: UnsafeRawBufferPointer) throws {
        precondition(bytes.count == recordBytes, "record of \(bytes.count) bytes, the file's are \(recordBytes)")
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(index * recordBytes + done))
            guard n > 0 else { throw PipelineError("scratch file \(path): \(String(cString: strerror(errno))) (pwrite)") }
            done += n
        }
    }

    func read(_ index: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        precondition(buffer.count == recordBytes, "record of \(buffer.count) bytes, the file's are \(recordBytes)")
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(index * recordBytes + done))
            guard n > 0 else {
                throw PipelineError("scratch file \(path): " + (n == 0 ? "record \(index) was never written" : String(cString: strerror(errno))) + " (pread)")
            }
            done += n
        }
    }
}

/// Every frame's training crops (target and proxy RGB, mask gray, `size`² each) on disk, so a long
/// clip holds one segment's crops in memory at a time, not the clip's.
public final class CropStore {
    public let size: Int
    private let records: ScratchRecords
    public private(set) var count = 0

    public init(path: String, size: Int) throws {
        self.size = size
        records = try ScratchRecords(path: path, recordBytes: 7 * size * size)
    }

    public func append(target: Image8, proxy: Image8, mask: Image8) throws {
        precondition([target.width, target.height, proxy.width, proxy.height, mask.width, mask.height].allSatisfy { $0 == size }
            && target.channels == 3 && proxy.channels == 3 && mask.channels == 1, "crops must be \(size)² RGB, RGB, gray")
        try (target.pixels + proxy.pixels + mask.pixels).withUnsafeBytes { try records.write(count, $0) }
        count += 1
    }

    /// Frame `t`'s mask replaced, its crops kept.
    public func replaceMask(_ t: Int, with mask: Image8) throws {
        let (target, proxy, _) = try frame(t)
        precondition(mask.width == size && mask.height == size && mask.channels == 1, "mask must be \(size)² gray")
        try (target.pixels + proxy.pixels + mask.pixels).withUnsafeBytes { try records.write(t, $0) }
    }

    public func frame(_ t: Int) throws -> (target: Image8, proxy: Image8, mask: Image8) {
        var bytes = [UInt8](repeating: 0, count: records.recordBytes)
        try bytes.withUnsafeMutableBytes { try records.read(t, into: $0) }
        let rgb = 3 * size * size
        return (Image8(width: size, height: size, channels: 3, pixels: Array(bytes[0..<rgb])),
                Image8(width: size, height: size, channels: 3, pixels: Array(bytes[rgb..<(2 * rgb)])),
                Image8(width: size, height: size, channels: 1, pixels: Array(bytes[(2 * rgb)...])))
    }

    /// The crops of frames `range`, indexed from 0, as one run (a segment never holds a cut).
    func crops(_ range: Range<Int>) throws -> ClipCrops {
        var crops = ClipCrops(targets: [], proxies: [], masks: [], runs: [0..<range.count])
        for t in range {
            let (target, proxy, mask) = try frame(t)
            crops.targets.append(target)
            crops.proxies.append(proxy)
            crops.masks.append(mask)
        }
        return crops
    }
}

/// The disk a clip's scratch files take, checked before a long run starts rather than found
/// missing hours into it.
public enum ScratchSpace {
    /// Bytes of the crops of `frames` frames at `size`² (7 a pixel: target and proxy RGB, mask).
    public static func bytes(frames: Int, size: Int) -> Int64 { Int64(frames) * Int64(size * size) * 7 }

    /// Throws when the file system holding `directory` has less free space than the scratch files
    /// need plus 10 %. `free`: the free bytes to judge by (default: asked of the file system).
    public static func check(frames: Int, size: Int, in directory: String, free: Int64? = nil) throws {
        let need = bytes(frames: frames, size: size) * 11 / 10
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory)
        guard let available = free ?? (attributes?[.systemFreeSize] as? NSNumber)?.int64Value, available < need else { return }
        let gigabytes = { (bytes: Int64) in String(format: "%.1f GB", Double(bytes) / 1e9) }
        throw MediaError(.output, call: "statvfs", path: directory,
                         reason: "needs about \(gigabytes(need)) of scratch space for the crops of \(frames) frames at \(size)², "
                             + "\(gigabytes(available)) free")
    }
}

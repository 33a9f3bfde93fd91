import ArgumentParser
import Foundation
import Media
import Reports

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print a video's size, frame rate, frame count, rotation and audio (and, with --count-frames, how finely it was coded).")

    @Argument(help: "The video file.")
    var video: String

    @Option(help: OutputFormat.help([.text, .json]))
    var format: OutputFormat = .text

    @Flag(name: .customLong("json"), help: .hidden)
    var legacyJSON = false

    @Flag(name: .customLong("count-frames"),
          help: "Decode every frame to count them exactly (done anyway when the container has no count).")
    var countFrames = false

    func validate() throws { try format.check([.text, .json]) }

    func run() throws {
        var info = try VideoInfo.probe(path: video, countFrames: countFrames)
        if countFrames, info.audio != nil, let fingerprint = try AudioInfo.fingerprint(path: video) {
            info.audio?.packets = fingerprint.packets
            info.audio?.payloadCRC = fingerprint.crc
        }
        if format == .json || legacyJSON {
            print(String(decoding: try ReportFiles.json(info), as: UTF8.self))
        } else {
            print(Self.text(info))
        }
    }

    static func rotationNote(_ degrees: Double) -> String {
        VideoReader.quarterTurns(rotation: degrees) != nil
            ? " (frames are read turned upright; the size above is theirs)" : " (no multiple of 90°: frames are read as stored)"
    }

    static func text(_ info: VideoInfo) -> String {
        var lines = [
            "file:      \(info.path)",
            "container: \(info.container)",
            "video:     \(info.codec) \(info.pixelFormat) \(info.width)x\(info.height)",
            "fps:       \(info.fps) (\(String(format: "%.3f", info.fps.value))), time base \(info.timeBase)"
                + (info.variableRate == true ? "; variable rate (the average; frames keep their own times)" : ""),
            "frames:    \(info.frameCount) (\(info.frameCountSource.rawValue))",
            "duration:  \(String(format: "%.3f", info.durationSeconds)) s",
            "rotation:  \(info.rotation == 0 ? "none" : String(format: "%g°", info.rotation) + rotationNote(info.rotation))",
        ]
        if let c = info.coding {
            let types = ["I", "P", "B"].compactMap { t in c.meanQuantiserByType[t].map { String(format: "%@ %.1f", t, $0) } }
            lines.append(String(format: "coding:    mean quantiser %.1f (%@) over %d frames", c.meanQuantiser, types.joined(separator: ", "), c.frames)
                + (c.equivalentCRF.map { String(format: "; about x264 CRF %.0f", $0) } ?? ""))
        }
        if let a = info.audio {
            var line = "audio:     \(a.codec) \(a.sampleRate) Hz, \(a.channels) channel(s), \(String(format: "%.3f", a.durationSeconds)) s"
            if let packets = a.packets, let crc = a.payloadCRC {
                line += ", \(packets) packets, crc32 \(String(format: "%08x", crc))"
            }
            lines.append(line)
        } else {
            lines.append("audio:     none")
        }
        return lines.joined(separator: "\n")
    }
}

import Face3D
import Foundation
import TestSupport
import XCTest

/// FLAME's albedo space and texture layout, read from the fixtures tools/golden/flame_albedo_fixture.py
/// writes (np.savez of MU/PC in BGR; an OBJ with v/vt faces) and checked against its numpy resampling.
final class AlbedoBasisTests: XCTestCase {
    struct Golden: Decodable {
        let textureSize: Int
        let components: Int
        let mean: [[Double]]
        let basis: [[[Double]]]
        let vertexUV: [[Double]]
    }

    func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("flame/albedo_golden.json"))))
    }

    func testResamplesTheAlbedoSpaceLikeNumpy() throws {
        let g = try golden()
        let archive = try NumpyArchive(path: fixturePath("flame/synthetic_albedo.npz"))
        XCTAssertEqual(archive.members["MU"]?.shape, [16 * 16 * 3])
        XCTAssertEqual(archive.members["PC"]?.shape, [16 * 16 * 3, g.components])
        let basis = try AlbedoBasis.resample(archive, textureSize: g.textureSize, components: 50)
        XCTAssertEqual(basis.components, g.components, "asking for more than the file has gives what it has")
        for i in 0..<(g.textureSize * g.textureSize) {
            for c in 0..<3 {
                XCTAssertEqual(basis.mean[i][c], g.mean[i][c], accuracy: 1e-12)
                for k in 0..<g.components { XCTAssertEqual(basis.basis[k][i][c], g.basis[k][i][c], accuracy: 1e-12) }
            }
        }
        XCTAssertEqual(try AlbedoBasis.resample(archive, textureSize: g.textureSize, components: 2).components, 2)
    }

    func testReadsTheTextureLayout() throws {
        let g = try golden()
        let uv = try TextureLayout.vertexUV(objPath: fixturePath("flame/synthetic_uv.obj"), vertices: g.vertexUV.count)
        XCTAssertEqual(uv.count, 62)
        for (a, b) in zip(uv, g.vertexUV) {
            XCTAssertEqual(a.x, b[0], accuracy: 1e-6)
            XCTAssertEqual(a.y, b[1], accuracy: 1e-6)
        }
        XCTAssertThrowsError(try TextureLayout.vertexUV(objPath: fixturePath("flame/synthetic_uv.obj"), vertices: 5023)) { error in
            XCTAssertTrue("\(error)".contains("62 vertices"), "\(error)")
        }
        // A face before any `vt` line: an error, not a trap.
        let dir = try TempDirectory()
        let path = dir.file("no-vt.obj")
        try "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1 2/2 3/3\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TextureLayout.vertexUV(objPath: path, vertices: 3)) { error in
            XCTAssertTrue("\(error)".contains("texture index in range"), "\(error)")
        }
    }

    /// Compressed archives, truncated ones and other files are refused with the reason.
    func testRejectsWhatItCannotRead() throws {
        XCTAssertThrowsError(try NumpyArchive(path: fixturePath("flame/compressed.npz"))) { error in
            XCTAssertTrue("\(error)".contains("np.savez"), "\(error)")
        }
        let dir = try TempDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixturePath("flame/synthetic_albedo.npz")))
        for cut in [whole.count / 2, whole.count - 30, 10] {
            let path = dir.file("cut\(cut).npz")
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try NumpyArchive(path: path), "cut at \(cut)")
        }
        XCTAssertThrowsError(try NumpyArchive(path: fixturePath("flame/synthetic_flame.pkl"))) { error in
            XCTAssertTrue("\(error)".contains("not a zip"), "\(error)")
        }
        // A member whose shape claims more data than it holds.
        var lying = whole
        if let range = lying.range(of: Data("'shape': (768,".utf8)) { lying.replaceSubrange(range, with: Data("'shape': (968,".utf8)) }
        let path = dir.file("lying.npz")
        try lying.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try NumpyArchive(path: path)) { error in XCTAssertTrue("\(error)".contains("needs more data"), "\(error)") }
    }

    /// Cut at every zip record and .npy header (and every 97th byte): refused, never a crash
    /// or a read past the map.
    func testEveryCutOfTheArchiveIsRefused() throws {
        let dir = try TempDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixturePath("flame/synthetic_albedo.npz")))
        let records = [[0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x01, 0x02], [0x50, 0x4B, 0x05, 0x06], [0x93] + Array("NUMPY".utf8)]
        let cuts = truncations(size: whole.count, stride: 97, boundaries: records.flatMap { offsets(of: $0, in: whole) })
        XCTAssertGreaterThan(cuts.count, 500)
        let path = dir.file("cut.npz")
        for cut in cuts {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try NumpyArchive(path: path), "cut at \(cut) of \(whole.count)")
        }
    }
}

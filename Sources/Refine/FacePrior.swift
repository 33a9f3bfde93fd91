import Face3D
import Faces
import Foundation
import Media
import Stability
import Tensor

/// The 3D face prior of one refine run: which one ran (or why none did), each frame's surface in
/// crop coordinates, and the identity shape comparison when photos were given.
struct FacePrior {
    /// What the report says.
    var description: String
    var surfaces: [FaceSurface]
    /// Per-frame landmark RMS error of the FLAME fit (pixels), when FLAME ran.
    var fitError: Double?
    /// Reference images for the static detail: the identity photos' crops with their surfaces.
    var detailReferences: [(surface: FaceSurface, rgb: [Float], size: Int)] = []
    /// |β(clip) − β(photos)| (FLAME) or the RMS difference of the aligned 3D landmark shapes in
    /// units of the face width (landmark prior): a metric, not a loss (landmarks are not
    /// differentiable in the image).
    var shapeDistance: Double?
    /// FLAME's albedo space on the prior's UV grid (with --flame-albedo and --flame-uv).
    var albedoBasis: AlbedoBasis?

    static let none = FacePrior(description: "none", surfaces: [])

    /// A FLAME model and embedding, loaded before any output is written so a missing or hostile
    /// file stops the run cleanly.
    struct FLAMEFiles {
        let path: String
        let model: FLAMEModel
        let embedding: LandmarkEmbedding
        /// FLAME's own texture coordinates per vertex (head_template.obj), else nil.
        var uv: [SIMD2<Double>]?
        var albedoBasis: AlbedoBasis?
        var albedoDescription: String?
    }

    /// The FLAME files this run will use: nil for the landmark prior or none.
    static func loadFLAME(_ options: RefineOptions) throws -> FLAMEFiles? {
        let environment = ProcessInfo.processInfo.environment
        let path = options.flame ?? environment["NICER_FLAME"]
        guard options.prior == .flame || (options.prior == .auto && path != nil) else {
            if options.flameAlbedo != nil || options.flameUV != nil { throw PipelineError("--flame-albedo and --flame-uv need the FLAME prior (--flame PATH)") }
            return nil
        }
        guard let path else { throw PipelineError("--prior flame needs --flame PATH or NICER_FLAME (FLAME's generic_model.pkl)") }
        guard let embeddingPath = options.flameEmbedding ?? environment["NICER_FLAME_EMBEDDING"] else {
            throw PipelineError("FLAME needs its 68-landmark embedding: --flame-embedding PATH or NICER_FLAME_EMBEDDING")
        }
        let model = try FLAMEModel.load(path)
        var files = FLAMEFiles(path: path, model: model, embedding: try LandmarkEmbedding.load(embeddingPath, model: model))
        let uvPath = options.flameUV ?? environment["NICER_FLAME_UV"]
        files.uv = try uvPath.map { try TextureLayout.vertexUV(objPath: $0, vertices: model.template.count) }
        if let albedoPath = options.flameAlbedo ?? environment["NICER_FLAME_ALBEDO"] {
            guard files.uv != nil else {
                throw PipelineError("--flame-albedo needs FLAME's texture layout too: --flame-uv head_template.obj (or NICER_FLAME_UV)")
            }
            let basis = try AlbedoBasis.resample(NumpyArchive(path: albedoPath), textureSize: options.textureSize, components: options.albedoComponents)
            files.albedoBasis = basis
            files.albedoDescription = "albedo basis \(URL(fileURLWithPath: albedoPath).lastPathComponent), \(basis.components) components"
        }
        return files
    }

    /// Builds the prior from the region's landmarks. Without landmarks (mask or swap regions) no
    /// prior can run; the description says so.
    static func make(options: RefineOptions, flame: FLAMEFiles?, regions: FaceRegions, boxes: [CropBox], identityPhotos: [String],
                     photoLandmarks: [[SIMD2<Double>]]?, models: LoadedFaceModels?, progress: (String) -> Void) throws -> FacePrior {
        guard options.prior != .none, options.albedoWeight > 0 || options.detailWeight > 0 || options.shapeWeight > 0 else {
            return FacePrior(description: "none (turned off)", surfaces: [])
        }
        guard regions.kind == .landmarks, let models else {
            return FacePrior(description: "none (the 3D prior needs landmark regions; this run's region: \(regions.description))", surfaces: [])
        }
        // Landmarks in normalised crop coordinates (crop pixel centres span 0…1).
        func toCrop(_ p: [SIMD2<Double>], _ box: CropBox) -> [SIMD2<Double>] {
            p.map { ($0 + 0.5 - SIMD2(box.x - box.side / 2, box.y - box.side / 2)) / box.side }
        }
        let photos = try identityPhotos.indices.map { k in
            try photoFace(identityPhotos[k], given: photoLandmarks?[k], models: models, margin: options.margin)
        }
        if let flame {
            let (model, embedding, flamePath) = (flame.model, flame.embedding, flame.path)
            progress("fitting FLAME to \(regions.landmarks.count) frames")
            let fitter = FLAMEFitter(model: model, embedding: embedding)
            let fit = fitter.fit(regions.landmarks)
            let mesh = FLAMEMesh(model: model, uv: flame.uv)
            let surfaces = fit.frames.indices.map { t in mesh.surface(fit, frame: t, extent: boxes[t]) }
            let extras = [flame.uv == nil ? nil : "FLAME UV layout", flame.albedoDescription].compactMap { $0 }
            var prior = FacePrior(description: "FLAME (\(([URL(fileURLWithPath: flamePath).lastPathComponent, "\(model.shapeCount) shape / \(model.expressionCount) expression components"] + extras).joined(separator: ", ")))",
                                  surfaces: surfaces, fitError: fit.frames.map(\.landmarkError).reduce(0, +) / Double(max(1, fit.frames.count)))
            prior.albedoBasis = flame.albedoBasis
            if !photos.isEmpty {
                var photoOptions = FLAMEFitter.Options()
                photoOptions.temporal = false
                let photoFit = FLAMEFitter(model: model, embedding: embedding, options: photoOptions).fit(photos.map(\.landmarks))
                prior.shapeDistance = zip(fit.shape, photoFit.shape).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                prior.detailReferences = photos.indices.map { k in
                    let box = photos[k].box
                    return (mesh.surface(photoFit, frame: k, extent: box), planar(box.extract(photos[k].image, size: options.side)), options.side)
                }
            }
            return prior
        }
        let predictor = try models.landmarks68()
        let landmarkPrior = LandmarkPrior(meanShape: predictor.meanShape, tracks: regions.landmarks)
        let surfaces = regions.landmarks.indices.map { t in landmarkPrior.surface(toCrop(regions.landmarks[t], boxes[t])) }
        var prior = FacePrior(description: LandmarkPrior.name, surfaces: surfaces)
        if !photos.isEmpty {
            let photoPrior = LandmarkPrior(meanShape: predictor.meanShape, tracks: photos.map(\.landmarks))
            let a = landmarkPrior.shape, b = photoPrior.shape
            let width = a[0...16].map(\.x).max()! - a[0...16].map(\.x).min()!
            prior.shapeDistance = (zip(a, b).map { (($0 - $1) * ($0 - $1)).sum() }.reduce(0, +) / 68).squareRoot() / max(width, 1e-9)
            prior.detailReferences = photos.map { photo in
                (photoPrior.surface(toCrop(photo.landmarks, photo.box)), planar(photo.box.extract(photo.image, size: options.side)), options.side)
            }
        }
        return prior
    }

    /// The largest face of an identity photo: its 68 landmarks (`given`, else detected) and a crop
    /// box like the clip's (the same margin, so detail is compared at the same scale).
    static func photoFace(_ path: String, given: [SIMD2<Double>]?, models: LoadedFaceModels,
                          margin: Double) throws -> (landmarks: [SIMD2<Double>], box: CropBox, image: Image8) {
        let image: Image8, points: [SIMD2<Double>]
        if let given {
            (image, points) = (try FaceComparison.readPhoto(path), given)
        } else {
            let (photo, face) = try FaceComparison.largestFace(inPhoto: path, detector: try models.detector())
            (image, points) = (photo, try models.landmarks68().predict(photo, box: face.landmarkBox).map { SIMD2(Double($0.x), Double($0.y)) })
        }
        let outline = FaceMask.outline(points, forehead: FaceMaskOptions().forehead)
        let box = CropBox(left: outline.map(\.0).min()!, top: outline.map(\.1).min()!, right: outline.map(\.0).max()!,
                          bottom: outline.map(\.1).max()!, margin: margin)
        return (points, box, image)
    }

    /// The loss terms for one segment (frames `segment` of the clip, whose crops are `crops`,
    /// indexed from the segment's start), or none without surfaces.
    func lossTerms(options: RefineOptions, segment: Range<Int>, crops: ClipCrops) -> [RefineLossTerm] {
        guard !surfaces.isEmpty else { return [] }
        var settings = TextureLosses.Settings()
        settings.albedoWeight = options.albedoWeight
        settings.detailWeight = options.detailWeight
        settings.shapeWeight = options.shapeWeight
        settings.textureSize = options.textureSize
        settings.albedoToneRadius = options.albedoToneRadius
        let full = options.side
        let targets = crops.targets
        let losses = TextureLosses(surfaces: Array(surfaces[segment]), settings: settings, albedoBasis: albedoBasis) { frame, size in
            planar(size == full ? targets[frame] : boxShrink(targets[frame], full / size))
        }
        // Static detail and shape: the identity photos', else the mean over the proxy frames.
        let references = detailReferences.isEmpty
            ? segment.map { (surfaces[$0], planar(crops.proxies[$0 - segment.lowerBound]), full) } : detailReferences
        losses.setDetailReference(references)
        if options.shapeWeight > 0 { losses.setShapeReference(references) }
        return [TextureLossTerm(losses: losses)]
    }
}

/// Channel-planar RGB in [0, 1] of an 8-bit image.
func planar(_ image: Image8) -> [Float] {
    let plane = image.width * image.height
    var out = [Float](repeating: 0, count: 3 * plane)
    for i in 0..<plane { for c in 0..<3 { out[c * plane + i] = Float(image.pixels[i * image.channels + min(c, image.channels - 1)]) / 255 } }
    return out
}

/// The albedo, detail and shape losses as NICe loss terms.
final class TextureLossTerm: RefineLossTerm {
    let names = ["albedo", "detail", "shape"]
    let losses: TextureLosses

    init(losses: TextureLosses) { self.losses = losses }

    func evaluate(rgb: Tensor, frame: Int, dRGB: Tensor) -> [Float] {
        precondition(rgb.shape.h == rgb.shape.w)
        let v = losses.evaluate(rgb: rgb.pointer, size: rgb.shape.h, frame: frame, gradient: dRGB.pointer)
        return [Float(v.albedo), Float(v.detail), Float(v.shape)]
    }
}

/// FLAME's posed mesh as a `FaceSurface`: vertices through the fitted camera into crop
/// coordinates, normals from the posed triangles, UV from the template's frontal (x, y) layout
/// (FLAME's pickle has no texture coordinates), skin = front-facing template triangles away from
/// the eyeballs.
struct FLAMEMesh {
    let model: FLAMEModel
    let uv: [SIMD2<Double>]
    let skin: [Bool]

    /// `uv`: FLAME's own texture coordinates (head_template.obj); nil: the template's frontal layout.
    init(model: FLAMEModel, uv textureUV: [SIMD2<Double>]? = nil) {
        self.model = model
        let t = model.template
        let lo = t.reduce(SIMD3(Double.infinity, .infinity, .infinity)) { pointwiseMin($0, $1) }
        let hi = t.reduce(SIMD3(-Double.infinity, -.infinity, -.infinity)) { pointwiseMax($0, $1) }
        uv = textureUV ?? t.map { SIMD2(0.02 + 0.96 * ($0.x - lo.x) / (hi.x - lo.x), 0.02 + 0.96 * (hi.y - $0.y) / (hi.y - lo.y)) }
        let eyes = model.eyeWeights
        // Skin: the front half of the head, triangles facing the camera at rest, off the eyeballs.
        skin = model.triangles.map { f in
            let a = t[Int(f.x)], b = t[Int(f.y)], c = t[Int(f.z)]
            let n = Self.normal(a, b, c)
            let front = (a.z + b.z + c.z) / 3 > (lo.z + hi.z) / 2
            return front && abs(n.z) > 0.3 && [f.x, f.y, f.z].allSatisfy { eyes[Int($0)] < 0.5 }
        }
    }

    /// Unit normal of a triangle (zero for a degenerate one).
    static func normal(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ c: SIMD3<Double>) -> SIMD3<Double> {
        let e1 = b - a, e2 = c - a
        let n = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
        let length = (n * n).sum().squareRoot()
        return length > 0 ? n / length : .zero
    }

    /// FLAME shape components the photometric shape term estimates.
    static let shapeModes = 6

    func surface(_ fit: FLAMEFit, frame t: Int, extent box: CropBox) -> FaceSurface {
        let parameters = fit.parameters(t)
        let (vertices, _) = model.forward(parameters)
        let camera = fit.frames[t].camera
        let origin = SIMD2(box.x - box.side / 2, box.y - box.side / 2)
        let normals = imageNormals(vertices)
        // d(normal)/dβ_k by central differences of the posed mesh.
        let eps = 1e-3
        let modes = (0..<min(Self.shapeModes, model.shapeCount)).map { k -> [SIMD3<Double>] in
            var plus = parameters, minus = parameters
            plus.shape = (0..<model.shapeCount).map { $0 < parameters.shape.count ? parameters.shape[$0] : 0 }
            minus.shape = plus.shape
            plus.shape[k] += eps
            minus.shape[k] -= eps
            return zip(imageNormals(model.forward(plus).vertices), imageNormals(model.forward(minus).vertices)).map { ($0 - $1) / (2 * eps) }
        }
        return FaceSurface(points: vertices.map { (camera.project($0) + 0.5 - origin) / box.side },
                           depth: vertices.map { camera.scale * $0.z / box.side }, normals: normals, uv: uv,
                           triangles: model.triangles, skin: skin, normalModes: modes)
    }

    /// Unit vertex normals, outward whatever the winding, in image axes (y down: flip y; z stays toward the camera).
    func imageNormals(_ vertices: [SIMD3<Double>]) -> [SIMD3<Double>] {
        var normals = [SIMD3<Double>](repeating: .zero, count: vertices.count)
        for f in model.triangles {
            let n = Self.normal(vertices[Int(f.x)], vertices[Int(f.y)], vertices[Int(f.z)])
            for i in [f.x, f.y, f.z] { normals[Int(i)] += n }
        }
        let centre = vertices.reduce(.zero, +) / Double(vertices.count)
        return zip(normals, vertices).map { n, v in
            var u = n / max(1e-12, (n * n).sum().squareRoot())
            if (u * (v - centre)).sum() < 0 { u = -u }
            return SIMD3(u.x, -u.y, u.z)
        }
    }
}

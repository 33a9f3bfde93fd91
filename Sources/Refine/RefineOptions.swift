import Faces
import Foundation
import Media

/// Every setting of `nicer refine` in one table: name, default, range. `validate()` checks the
/// ranges; the resolved table is written next to the outputs (config.json).
public struct RefineOptions: Codable, Equatable, Sendable {
    /// Where the face region comes from.
    public enum Region: Codable, Equatable, Sendable {
        /// Landmarks of the target (detector + tracker); falls back to the swap difference when no face is found.
        case auto
        case landmarks
        /// One gray PNG per frame (e.g. a synth clip's masks/).
        case masks(String)
        /// 68-point landmarks from a file: `LandmarkTrack` JSON (nicer synth's landmarks.json) or nicer faces' faces.json.
        case landmarkFile(String)
        /// Where the proxy differs from the target.
        case swap
    }

    public enum Features: String, Codable, Sendable, CaseIterable {
        /// dlib's identity ResNet stages (no download; the default).
        case identity
        /// VGG19 conv1_2…conv5_2 (user-supplied weights: --vgg-weights or NICER_VGG19, converted by tools/convert_vgg19.py).
        case vgg19
        /// Pixel L1 only.
        case pixel
    }

    public enum FacePriorChoice: String, Codable, Sendable, CaseIterable {
        case auto, flame, landmarks, none
    }

    /// What the epochs before the full-size crops train on (`coarseFraction`).
    public enum CoarseInput: String, Codable, Sendable, CaseIterable {
        /// The crops shrunk to half their side: a quarter of the pixels, the face at half scale.
        case half
        /// Windows of half the crop's side at full resolution (`TrainingPatch`): a quarter of the
        /// pixels, the face at the scale it is rendered at.
        case patch
    }

    public enum StopRule: String, Codable, Sendable {
        case automatic
        case fixed
    }

    public var region: Region = .auto
    /// Largest training crop side in pixels (64…1024, a multiple of 2^levels): the crops follow
    /// the face's own resolution up to it (`CropSize`; `--size auto` is 256).
    public var size = 256
    /// The side refine resolved for this clip (`CropSize`); nil until then. config.json has it.
    public var cropSize: Int?
    /// Crop margin around the face region, fraction of its size on each side (0…1). 0.15: at 0.3
    /// the face filled too little of the crop (docs/benchmarks.md, "Refine benchmarks"); the feather needs 0.08.
    public var margin = 0.15
    /// Temporal smoothing of the crop boxes, Gaussian σ in frames (0…20).
    public var boxSmoothing = 3.0
    /// UNet levels (2…6) and base channels (4…64); DVP uses 5 and 32.
    public var levels = 5
    public var width = 16
    public var features: Features = .identity
    /// VGG19 weights as safetensors (for `features == .vgg19`; else NICER_VGG19).
    public var vggWeights: String?
    /// Weight of the pixel term and of each identity stage term (stem, 32, 64, 128, 256 channels).
    public var pixelWeight: Float = 1
    public var featureWeights: [Float] = [0.5, 0.5, 0.25, 0.1, 0.05]
    /// The network predicts a correction added to the target crop (last layer zero at the start, so
    /// the fit starts from the target itself and learns only the swap); false: DVP's direct mapping.
    public var residual = true
    /// Predict σ and weight the losses by it (false: plain L1, for the ablation bench).
    public var uncertainty = true
    /// Fraction of the half-resolution epochs trained before σ enters the loss (0…1; 1 = σ only in
    /// the full-resolution phase): the first epochs learn the mapping unweighted, so σ cannot
    /// explain away consistent but subtle swap detail as noise. 0.5: σ's switch-on costs a dip,
    /// taken in the cheap half-resolution phase; at 1 the short full-resolution phase of the step
    /// budget did not recover from it (Ava_de_Addario_1: identity distance to the swap 0.41 vs
    /// 0.28; docs/real-footage.md, "Step budget").
    public var uncertaintyWarmup = 0.5
    /// Epochs over which σ's range opens after it switches on (0…10; 0 = at once). 2: opened at
    /// once, the gradients' scale jumps while Adam's moments lag, and the first full-resolution
    /// epochs collapse (docs/benchmarks.md, "Refine benchmarks": up to 10 dB lost on a real pair).
    public var uncertaintyRamp = 2.0
    /// How hard σ's log-variance pulls on the features it shares with the RGB mapping (0…1; 1: one
    /// output conv for both, as before). 0.1: at 1 the switch-on threw short fits back (with the
    /// normalised step, the test bed's first full-resolution epoch 18.2 dB against 20.3 without σ;
    /// the old build on a real pair 32 → 17 dB); at 0 σ could no longer mark one frame's outlier
    /// blocks (0.77× the clean face's σ where the test asks 1.3×, met at 0.1 and 1, failed at 0.03;
    /// docs/real-footage.md).
    public var sigmaFeedback: Float = 0.1
    public var learningRate: Float = 2e-4
    /// Epoch cap (1…1000); with the automatic stop, training may end earlier.
    public var epochs = 20
    public var stop: StopRule = .automatic
    /// Adam steps per frame of the clip (or segment) over the whole fit at the epoch cap
    /// (0.1…1000): the step budget follows the clip, spread over the epochs with at least
    /// `StepBudget`'s floor an epoch (40 steps of a crop of `size`, as many pixels × steps for a
    /// smaller one, at most 4× the steps), so a short clip or a small face still gets a fit.
    public var visits = 3.2
    /// Adam steps per epoch instead of the budget above: 0 = every frame once, N = the next N
    /// frames of shuffled passes over the clip (8…100000; capped at the clip's length); nil = `visits`.
    public var framesPerEpoch: Int?
    /// Fraction of the epochs trained at half resolution first (0…1; DVP: 0.8).
    public var coarseFraction = 0.6
    /// What those epochs train on (half: the crops at half resolution; patch: full-resolution
    /// windows). half: on windows Tim_Chrys_0, Emily_Winston_1 and Matilda_Bobbie_3 kept the swap's
    /// identity where half-size crops lost it, but FF++ 004 (two seeds) and Albica_Johns_0 went back
    /// towards the original's: as many pairs missed the real-footage bar either way
    /// (docs/real-footage.md, "Windows").
    public var coarseInput = CoarseInput.half
    /// Frame pairs scored each epoch for the automatic stop (2…64).
    public var monitorPairs = 8
    /// Epochs without a gain of more than `minImprovement` dB in the stop's score before the
    /// full-resolution phase stops (1…100).
    public var patience = 3
    /// Smallest score gain (dB) that counts as progress for the automatic stop (0…10; 0: any).
    public var minImprovement = 0.1
    /// Longest clip fitted at once; longer ones are split into overlapping segments (16…100000).
    public var segmentLength = 300
    /// Frames shared by neighbouring segments and cross-faded linearly (0…segmentLength/2).
    public var segmentOverlap = 16
    /// Least median correlation of target and proxy frames (32×32 grey thumbnails) for the proxy to
    /// count as a swap of the target (0…1; 0: no check): real swaps measured 0.86–1.00, two files
    /// that were not pairs −0.38 and −0.12 (`PairCheck`).
    public var pairCorrelation = 0.5
    /// Scene-cut threshold: mean absolute change of the target between frames, 0…1 (1 = never cut).
    public var cutThreshold = 0.25
    /// Face-region feather, fraction of the face width (0…0.5): the region stands in for the
    /// swap's footprint in a frame without one (`PasteMask`).
    public var feather = 0.08
    /// How far the written face holds still where the target does, from frame to frame (0…0.99;
    /// 0: off): the pasted frame is blended towards the last written one by this fraction where the
    /// target did not change (`StillBlend`).
    public var stillBlend = 0.9
    /// x264's constant rate factor for refined.mp4 (0…51, 0: lossless); nil: 2 steps finer than the
    /// finer input's own coding, within 1…16 (`OutputQuality`).
    public var crf: Int? = nil
    /// refined.mp4's colour resolution: true 4:4:4, false 4:2:0; nil: 4:4:4 when either input
    /// stores colour at full resolution (`OutputQuality`).
    public var fullChroma: Bool? = nil
    /// DIS preset of the final whole-clip e_stab (fast: a 1080p pair costs ~0.2 s instead of ~0.7 s
    /// with medium; proxy and refined are scored on the same flow either way).
    public var scoringFlow = "fast"
    /// 3D face prior: auto (FLAME when a model is given, else the built-in landmark prior), flame, landmarks, none.
    public var prior: FacePriorChoice = .auto
    /// FLAME's generic_model.pkl and its 68-landmark embedding (else NICER_FLAME / NICER_FLAME_EMBEDDING).
    public var flame: String?
    public var flameEmbedding: String?
    /// Weights of the 3D prior's albedo and detail losses (0…100; 0 turns one off).
    public var albedoWeight = 1.0
    public var detailWeight = 0.1
    /// Radius (UV texels, 0…256) of the box the albedo is compared through: the skin tone, not
    /// the target's features. At least the map's side − 1 (the default) compares the face's mean
    /// tone; 0 texel by texel, which can pull the output back to the target.
    public var albedoToneRadius = 256
    /// The prior's collapse guard (0…1; 0: off): when the stopped fit's best epoch's `correction`
    /// is below this fraction of the last half-resolution epochs', the full-resolution phase is
    /// trained again without the prior (`PriorGuard`).
    public var priorGuard = 0.5
    /// Weight of the photometric shape loss (0…100; 0 turns it off). Off by default: on the test
    /// bed it cost up to 6 dB against the truth (docs/benchmarks.md, "Refine benchmarks").
    public var shapeWeight = 0.0
    /// Side of the prior's UV map in texels (16…256; FLAME's own UV layout spreads the face thinner: ~96).
    public var textureSize = 48
    /// FLAME's texture layout (head_template.obj; else NICER_FLAME_UV) and an albedo space in it
    /// (FLAME_albedo_from_BFM.npz or FLAME_texture.npz; else NICER_FLAME_ALBEDO), with the number
    /// of its components used (1…200).
    public var flameUV: String?
    public var flameAlbedo: String?
    public var albedoComponents = 50
    public var seed: UInt64 = 2020
    /// Also write σ as a video, and the side-by-side preview.
    public var sigmaVideo = false
    public var preview = true

    public init() {}

    /// The crops' side: the resolved one, else the cap.
    public var side: Int { cropSize ?? size }

    public var unet: UNetShape { UNetShape(levels: levels, width: width) }

    public struct UNetShape: Codable, Equatable, Sendable {
        public var levels: Int
        public var width: Int
    }

    /// The VGG19 weights file: the option, else NICER_VGG19.
    static func vggWeightsPath(_ options: RefineOptions) throws -> String {
        guard let path = options.vggWeights ?? ProcessInfo.processInfo.environment["NICER_VGG19"] else {
            throw PipelineError("--features vgg19 needs --vgg-weights FILE or NICER_VGG19 (torchvision's vgg19 weights converted by tools/convert_vgg19.py)")
        }
        return path
    }

    /// Range checks, one message per broken setting.
    public func problems() -> [String] {
        var out: [String] = []
        func check(_ ok: Bool, _ message: String) { if !ok { out.append(message) } }
        check((2...6).contains(levels), "levels must be in 2...6")
        check((4...64).contains(width), "width must be in 4...64")
        let multiple = 1 << (max(levels, 2) - 1)
        check((64...1024).contains(size) && size % (2 * multiple) == 0, "size must be in 64...1024 and a multiple of \(2 * multiple) (coarse-to-fine halves it)")
        check((0...1).contains(margin), "margin must be in 0...1")
        check((0...20).contains(boxSmoothing), "box smoothing must be in 0...20")
        check(pixelWeight >= 0 && featureWeights.allSatisfy { $0 >= 0 } && featureWeights.count <= 5, "weights must be ≥ 0, at most 5 feature weights")
        check(learningRate > 0 && learningRate <= 0.1, "learning rate must be in (0, 0.1]")
        check((1...1000).contains(epochs), "epochs must be in 1...1000")
        check((1...200).contains(albedoComponents), "albedo components must be in 1...200")
        check(framesPerEpoch.map { $0 == 0 || (8...100_000).contains($0) } ?? true, "frames per epoch must be 0 or in 8...100000")
        check((0.1...1000).contains(visits), "visits must be in 0.1...1000")
        check((0...1).contains(coarseFraction), "coarse fraction must be in 0...1")
        check((0...1).contains(uncertaintyWarmup), "uncertainty warm-up must be in 0...1")
        check((0...10).contains(uncertaintyRamp), "uncertainty ramp must be in 0...10 epochs")
        check((0...1).contains(sigmaFeedback), "sigma feedback must be in 0...1")
        check((2...64).contains(monitorPairs), "monitor pairs must be in 2...64")
        check((1...100).contains(patience), "patience must be in 1...100")
        check((0...10).contains(minImprovement), "min improvement must be in 0...10")
        check((16...100_000).contains(segmentLength), "segment length must be in 16...100000")
        check(segmentOverlap >= 0 && segmentOverlap <= segmentLength / 2, "segment overlap must be in 0...segmentLength/2")
        check((0...1).contains(cutThreshold), "cut threshold must be in 0...1")
        check((0...1).contains(pairCorrelation), "pair correlation must be in 0...1")
        check((0...0.99).contains(stillBlend), "still blend must be in 0...0.99")
        check((0...0.5).contains(feather), "feather must be in 0...0.5")
        check(crf.map { (0...51).contains($0) } ?? true, "crf must be auto or in 0...51")
        check(["ultrafast", "fast", "medium"].contains(scoringFlow), "scoring flow must be ultrafast, fast or medium")
        check([albedoWeight, detailWeight, shapeWeight].allSatisfy { (0...100).contains($0) }, "albedo, detail and shape weights must be in 0...100")
        check((16...256).contains(textureSize), "texture size must be in 16...256")
        check((0...256).contains(albedoToneRadius), "albedo tone radius must be in 0...256")
        check((0...1).contains(priorGuard), "prior guard must be in 0...1")
        return out
    }
}

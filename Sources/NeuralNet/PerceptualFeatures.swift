public import Tensor

/// A frozen feature network for perceptual losses: runs on RGB in [0, 1], exposes named stages,
/// and backpropagates gradients given at stages to its input (d/d unit RGB).
public protocol PerceptualFeatures: AnyObject {
    /// Stage names, input side first.
    var stages: [String] { get }
    /// The stages an h×w input reaches with at least 1×1 activations.
    func usableStages(height: Int, width: Int) -> [String]
    /// Runs on unit RGB [1, 3, h, w] as far as `stage` (the input is not modified).
    func forward(unitRGB x: Tensor, through stage: String)
    /// A stage's activations after the last forward.
    func features(_ stage: String) -> Tensor?
    /// d loss / d (unit RGB input) from gradients at stages.
    func unitInputGradient(_ seeds: [String: Tensor]) -> Tensor
}

public import Tensor
import Foundation

/// Adam with bias correction, over a network's flat parameter buffer, computed as
/// torch.optim.Adam does (so a fit can be checked step for step against PyTorch):
///   g ← g + λ·θ (weight decay, L2 form);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
///   θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
public final class Adam {
    public struct Settings: Codable, Equatable, Sendable {
        public var learningRate: Float = 1e-4
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0
        public init() {}
    }

    public var settings: Settings
    public let parameters: Parameters
    /// First and second moment estimates, laid out like the parameters.
    public let firstMoments: TensorStorage
    public let secondMoments: TensorStorage
    public internal(set) var step = 0

    public init(parameters: Parameters, settings: Settings = Settings()) {
        precondition(settings.learningRate >= 0 && settings.epsilon > 0, "bad Adam settings")
        precondition((0..<1).contains(settings.beta1) && (0..<1).contains(settings.beta2), "betas must be in [0, 1)")
        self.parameters = parameters
        self.settings = settings
        firstMoments = TensorStorage(count: parameters.count)
        secondMoments = TensorStorage(count: parameters.count)
    }

    /// One update from the current gradients (which it leaves as they are).
    public func update() {
        step += 1
        let s = settings
        let stepSize = s.learningRate / (1 - pow(s.beta1, Float(step)))
        let correction2 = (1 - pow(s.beta2, Float(step))).squareRoot()
        let theta = parameters.values.pointer, grad = parameters.gradients.pointer
        let m = firstMoments.pointer, v = secondMoments.pointer
        for i in 0..<parameters.count {
            let g = grad[i] + s.weightDecay * theta[i]
            m[i] = s.beta1 * m[i] + (1 - s.beta1) * g
            v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g
            theta[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + s.epsilon)
        }
    }
}

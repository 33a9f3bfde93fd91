public import Tensor
import Dispatch

/// A network as a flat list of named steps over named tensors ("slots"): each step runs one
/// layer on some slots and writes one. Forward runs the list in order; backward runs it in
/// reverse, summing gradients where a slot feeds several steps (UNet skips).
public final class Network {
    public struct Step {
        public let layer: Layer
        public let inputs: [Int]
        public let output: Int
    }

    public let parameters: Parameters
    public let workspace: Workspace
    public private(set) var steps: [Step] = []
    /// Slot names; slot 0 is the network input.
    public private(set) var slotNames: [String] = ["input"]

    /// When set, forward and backward add each layer's wall time (seconds) under its kind
    /// ("Conv2d forward", …), to show where a step's time goes.
    public var profile: [String: Double]?
    /// Profile keys name each layer too ("Conv2d forward dec0.up"): which of one kind is slow.
    public var profilesEachLayer = false

    private var values: [Tensor?] = []
    private var gradients: [Tensor?] = []
    private var ownsGradient: [Bool] = []
    /// The slot's gradient buffer is used by nothing else and may be overwritten by its consumer.
    private var exclusiveGradient: [Bool] = []
    private var accumulators: [Reusable] = []

    /// Set before adding steps when backward must also give d loss / d input (a frozen feature
    /// network inside a loss); otherwise layers reading the input skip that work.
    public var passesGradientToInput = false

    public init(parameters: Parameters = Parameters(), workspace: Workspace = Workspace()) {
        self.parameters = parameters
        self.workspace = workspace
    }

    /// Appends a step; inputs name earlier slots (or "input"), output names a new slot.
    public func add(_ layer: Layer, inputs: [String], output: String) {
        let indices = inputs.map { name -> Int in
            guard let i = slotNames.firstIndex(of: name) else { preconditionFailure("unknown slot \(name)") }
            return i
        }
        precondition(!slotNames.contains(output), "slot \(output) written twice")
        slotNames.append(output)
        layer.computesInputGradient = passesGradientToInput || !indices.allSatisfy { $0 == 0 }
        steps.append(Step(layer: layer, inputs: indices, output: slotNames.count - 1))
    }

    /// The value of a named slot after the last forward.
    public func slot(_ name: String) -> Tensor? {
        slotNames.firstIndex(of: name).flatMap { values.indices.contains($0) ? values[$0] : nil }
    }

    public func forward(_ input: Tensor) -> Tensor { forward(input, through: nil) }

    /// Forward up to and including the step that writes `slot` (all steps when nil); returns its value.
    @discardableResult
    public func forward(_ input: Tensor, through slot: String?) -> Tensor {
        if values.count != slotNames.count {
            values = Array(repeating: nil, count: slotNames.count)
            gradients = Array(repeating: nil, count: slotNames.count)
            ownsGradient = Array(repeating: false, count: slotNames.count)
            exclusiveGradient = Array(repeating: false, count: slotNames.count)
            accumulators = Array(repeating: Reusable(), count: slotNames.count)
        }
        values[0] = input
        let last = slot.map { name in
            guard let i = slotNames.firstIndex(of: name), i > 0 else { preconditionFailure("unknown slot \(name)") }
            return i
        } ?? steps.last!.output
        for step in steps {
            let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            values[step.output] = step.layer.forward(step.inputs.map { values[$0]! })
            if profile != nil { record(step.layer, "forward", since: start) }
            if step.output == last { break }
        }
        return values[last]!
    }

    /// Backpropagates the loss gradient of the last forward's output; adds into parameter gradients.
    /// `dOutput` itself is left as it is.
    public func backward(_ dOutput: Tensor) {
        backward(seeding: [steps.last!.output: dOutput])
    }

    /// Backpropagates loss gradients given at any named slots (a loss on several intermediate
    /// layers) and returns d loss / d input when `passesGradientToInput` is set. Seeds are the
    /// caller's and are never overwritten.
    @discardableResult
    public func backward(seeds: [String: Tensor]) -> Tensor? {
        var indexed: [Int: Tensor] = [:]
        for (name, gradient) in seeds {
            guard let i = slotNames.firstIndex(of: name), i > 0 else { preconditionFailure("unknown slot \(name)") }
            precondition(gradient.shape == values[i]?.shape, "\(name): gradient \(gradient.shape) vs value \(String(describing: values[i]?.shape))")
            indexed[i] = gradient
        }
        backward(seeding: indexed)
        return passesGradientToInput ? gradients[0] : nil
    }

    private func backward(seeding seeds: [Int: Tensor]) {
        for i in gradients.indices {
            gradients[i] = nil
            ownsGradient[i] = false
            exclusiveGradient[i] = false
        }
        for (slot, gradient) in seeds { gradients[slot] = gradient }  // the caller's: never overwritten
        for step in steps.reversed() {
            guard let dy = gradients[step.output] else { continue }
            let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            let dyExclusive = exclusiveGradient[step.output]
            let dInputs = step.layer.backward(dy, overwritingOutputGradient: dyExclusive)
            if profile != nil { record(step.layer, "backward", since: start) }
            guard step.layer.computesInputGradient else { continue }
            let exclusive: Bool
            switch step.layer.gradientAliasing {
            case .none: exclusive = true
            case .disjointViews: exclusive = dyExclusive
            case .shared: exclusive = false
            }
            for (slot, dx) in zip(step.inputs, dInputs) where slot != 0 || passesGradientToInput {
                accumulate(dx, into: slot, exclusive: exclusive)
            }
        }
    }

    private func record(_ layer: Layer, _ phase: String, since start: UInt64) {
        let key = profilesEachLayer ? "\(type(of: layer)) \(phase) \(layer.name)" : "\(type(of: layer)) \(phase)"
        profile?[key, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Floats held in slot values (activations kept for backward) after a forward.
    public var activationFloats: Int { values.dropFirst().reduce(0) { $0 + ($1?.count ?? 0) } }

    private func accumulate(_ dx: Tensor, into slot: Int, exclusive: Bool) {
        guard let existing = gradients[slot] else {
            // Borrowed: the producing layer keeps it intact until its next call.
            gradients[slot] = dx
            exclusiveGradient[slot] = exclusive
            return
        }
        exclusiveGradient[slot] = true
        if !ownsGradient[slot] {
            let sum = accumulators[slot].get(existing.shape)
            sum.pointer.update(from: existing.pointer, count: existing.count)
            gradients[slot] = sum
            ownsGradient[slot] = true
        }
        gradients[slot]!.add(dx)
    }
}

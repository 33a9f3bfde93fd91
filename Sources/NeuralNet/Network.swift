public import Tensor

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

    private var values: [Tensor?] = []
    private var gradients: [Tensor?] = []
    private var ownsGradient: [Bool] = []
    private var accumulators: [Reusable] = []

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
        layer.computesInputGradient = !indices.allSatisfy { $0 == 0 }
        steps.append(Step(layer: layer, inputs: indices, output: slotNames.count - 1))
    }

    /// The value of a named slot after the last forward.
    public func slot(_ name: String) -> Tensor? {
        slotNames.firstIndex(of: name).flatMap { values.indices.contains($0) ? values[$0] : nil }
    }

    public func forward(_ input: Tensor) -> Tensor {
        if values.count != slotNames.count {
            values = Array(repeating: nil, count: slotNames.count)
            gradients = Array(repeating: nil, count: slotNames.count)
            ownsGradient = Array(repeating: false, count: slotNames.count)
            accumulators = Array(repeating: Reusable(), count: slotNames.count)
        }
        values[0] = input
        for step in steps {
            values[step.output] = step.layer.forward(step.inputs.map { values[$0]! })
        }
        return values[steps.last!.output]!
    }

    /// Backpropagates the loss gradient of the last forward's output; adds into parameter gradients.
    public func backward(_ dOutput: Tensor) {
        for i in gradients.indices {
            gradients[i] = nil
            ownsGradient[i] = false
        }
        gradients[steps.last!.output] = dOutput
        for step in steps.reversed() {
            guard let dy = gradients[step.output] else { continue }
            let dInputs = step.layer.backward(dy)
            guard step.layer.computesInputGradient else { continue }
            for (slot, dx) in zip(step.inputs, dInputs) where slot != 0 {
                accumulate(dx, into: slot)
            }
        }
    }

    private func accumulate(_ dx: Tensor, into slot: Int) {
        guard let existing = gradients[slot] else {
            gradients[slot] = dx  // borrowed: the producing layer keeps it intact until its next call
            return
        }
        if !ownsGradient[slot] {
            let sum = accumulators[slot].get(existing.shape)
            sum.pointer.update(from: existing.pointer, count: existing.count)
            gradients[slot] = sum
            ownsGradient[slot] = true
        }
        gradients[slot]!.add(dx)
    }
}

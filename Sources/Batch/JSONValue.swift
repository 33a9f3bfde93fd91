/// A JSON tree of nested dictionaries, DeepfakeBench's dataset files (ReportFiles' encoder sorts the keys).
indirect enum JSONValue: Encodable {
    case object([String: JSONValue]), array([JSONValue]), string(String)

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .object(let o): try container.encode(o)
        case .array(let a): try container.encode(a)
        case .string(let s): try container.encode(s)
        }
    }
}

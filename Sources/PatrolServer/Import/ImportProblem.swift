import PatrolSheet

/// Why one row of an imported list cannot be taken, as the preview names it: the row, the column
/// (letter and header as written), the value, and the message key with its values.
struct ImportProblem: Sendable, Equatable {
    var row: Int
    var column: String?
    var header: String?
    var value: String
    var key: String
    var values: [String: String] = [:]
}

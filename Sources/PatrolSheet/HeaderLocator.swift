/// Finds the header row of a sheet by the names it expects, so an office's own layout, with a title
/// and notes above the headers and columns in any order, imports as it is.
///
/// The header is the row among the first `searchRows` non-blank rows whose cells name the most
/// fields (the earliest on a tie); a title row never matches since a name must fill its cell.
public struct HeaderLocator<Key: Hashable & Sendable>: Sendable {
    public let fields: [HeaderField<Key>]
    public let searchRows: Int
    private let keysByName: [String: Key]

    public init(fields: [HeaderField<Key>], searchRows: Int = 10) {
        self.fields = fields
        self.searchRows = searchRows
        var keysByName: [String: Key] = [:]
        for field in fields {
            for alias in field.aliases {
                let name = HeaderName.normalise(alias)
                precondition(keysByName[name] == nil || keysByName[name] == field.key,
                             "header name \(alias) is given to two fields")
                keysByName[name] = field.key
            }
        }
        self.keysByName = keysByName
    }

    public func locate(in table: SheetTable) throws(SheetError) -> HeaderMatch<Key> {
        guard !table.isEmpty else { throw .emptySheet }
        var best: (row: SheetRow, matches: Int)?
        for row in table.rows.prefix(searchRows) {
            let matches = Set(row.cells.compactMap { keysByName[HeaderName.normalise($0.value)] }).count
            if matches > (best?.matches ?? 0) { best = (row, matches) }
        }
        guard let header = best?.row else {
            throw .headerRowNotFound(searchedRows: min(searchRows, table.rows.count))
        }
        var columns: [Key: SheetColumn] = [:]
        var duplicates: [Key: [SheetColumn]] = [:]
        var unknown: [SheetCell] = []
        for cell in header.cells where !cell.isEmpty {
            guard let key = keysByName[HeaderName.normalise(cell.value)] else {
                unknown.append(cell)
                continue
            }
            if columns[key] == nil {
                columns[key] = cell.column
            } else {
                duplicates[key, default: []].append(cell.column)
            }
        }
        let missing = fields.filter { $0.isRequired && columns[$0.key] == nil }.map(\.key)
        return HeaderMatch(rowNumber: header.number, columns: columns, missingRequired: missing,
                           unknownColumns: unknown, duplicateColumns: duplicates)
    }
}

/// One worksheet to write: an optional title row merged across the columns, a bold header row that
/// stays in view when scrolling, and the data rows.
public struct XLSXSheet: Hashable, Sendable {
    /// The tab name; characters Excel forbids (`[]:*?/\`) are replaced and it is cut to 31.
    public var name: String
    public var title: String?
    public var columns: [XLSXColumn]
    public var rows: [[XLSXCell]]

    public init(name: String, title: String? = nil, columns: [XLSXColumn], rows: [[XLSXCell]] = []) {
        self.name = name
        self.title = title
        self.columns = columns
        self.rows = rows
    }

    public mutating func append(_ row: [XLSXCell]) {
        rows.append(row)
    }

    /// Row number of the header: 2 below a title, 1 otherwise.
    public var headerRowNumber: Int { title == nil ? 1 : 2 }
}

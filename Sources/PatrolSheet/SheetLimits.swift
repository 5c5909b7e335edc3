/// How much of a file the readers accept, so an upload cannot exhaust memory or time.
///
/// The defaults are far above any real list of units, assets or testers (a province has a few
/// thousand units) and far below what hurts the server.
public struct SheetLimits: Hashable, Sendable {
    /// Size of the uploaded file itself (xlsx or CSV).
    public var maxFileBytes: Int
    /// Sum of the uncompressed sizes of the xlsx parts read; the defence against a zip bomb, checked
    /// against the archive's directory and again while inflating, since a directory can lie.
    public var maxUncompressedBytes: UInt64
    public var maxEntries: Int
    /// Non-blank rows; empty formatted rows, which Excel writes by the thousand, are not counted.
    public var maxRows: Int
    /// Columns holding a value; empty formatted cells further right are ignored.
    public var maxColumns: Int

    public init(maxFileBytes: Int = 50 << 20,
                maxUncompressedBytes: UInt64 = 200 << 20,
                maxEntries: Int = 10_000,
                maxRows: Int = 100_000,
                maxColumns: Int = 200) {
        self.maxFileBytes = maxFileBytes
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxEntries = maxEntries
        self.maxRows = maxRows
        self.maxColumns = maxColumns
    }
}

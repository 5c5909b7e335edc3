/// Which worksheet of a workbook to read.
public enum WorksheetSelection: Hashable, Sendable {
    /// The first visible worksheet in tab order: the one the user sees on opening the file.
    case first
    /// The worksheet with this tab name (compared after trimming spaces, as users retype them).
    case named(String)
}

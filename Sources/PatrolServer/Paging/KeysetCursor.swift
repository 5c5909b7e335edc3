import Foundation

/// Where a page of a list ended: the id of its last row. The database finds that row's sort key
/// itself (`QueryBuilder.after`), so no time travels through the client and back: a time printed
/// or re-encoded loses its last microsecond and a page would skip or repeat rows.
struct KeysetCursor: Equatable {
    var id: UUID

    init(id: UUID) { self.id = id }

    init?(_ text: String) {
        guard let id = UUID(uuidString: text) else { return nil }
        self.id = id
    }

    var text: String { id.uuidString.lowercased() }
}

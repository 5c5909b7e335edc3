import Vapor

/// The `limit` and `cursor` of an API list page (keyset pagination): a client reads a list of any
/// length page by page, handing back the `nextCursor` of the page before, and never gets a row
/// twice or misses one while rows are added, as an offset would.
struct PageRequest: Decodable {
    static let defaultLimit = 100
    static let maximumLimit = 500

    var limit: Int?
    var cursor: String?

    /// The page size asked for, within 1…`maximumLimit`; anything else is refused by name.
    func checkedLimit() throws -> Int {
        guard let limit else { return Self.defaultLimit }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw PatrolError.invalid("error.page.limit", ["limit": "\(limit)", "maximum": "\(Self.maximumLimit)"])
        }
        return limit
    }

    /// The position after which the page starts, nil for the first page.
    func checkedCursor() throws -> KeysetCursor? {
        guard let text = cursor, !text.isEmpty else { return nil }
        guard let cursor = KeysetCursor(text) else { throw PatrolError.invalid("error.page.cursor") }
        return cursor
    }
}

import Vapor

/// One page of an API list: its items, the cursor of the next page (absent on the last) and how
/// many items the whole list holds under the same filters.
struct APIPage<Item: Content>: Content {
    var items: [Item]
    var nextCursor: String?
    var total: Int
}

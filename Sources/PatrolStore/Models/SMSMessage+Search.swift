import FluentKit

extension SMSMessage {
    /// The outbox messages that match every criterion given (nil or empty: any), to count and to
    /// page: the criteria run in the query, so older matches are not cut off by a page.
    /// - Parameters:
    ///   - unitName: a message names its unit in its parameters (`"unit":"溧阳市"`).
    ///   - text: found in the phone number, the text or the parameters.
    public static func outbox(status: Status?, event: String?, unitName: String?, text: String?,
                              on db: any Database) -> QueryBuilder<SMSMessage> {
        var query = SMSMessage.query(on: db)
        if let status { query = query.filter(\.$status == status) }
        if let event, !event.isEmpty { query = query.filter(\.$event == event) }
        if let unitName {
            query = query.filter(\.$paramsJSON, .contains(inverse: false, .anywhere), "\"unit\":\"\(unitName)\"")
        }
        if let text, !text.isEmpty {
            query = query.group(.or) {
                $0.filter(\.$phone, .contains(inverse: false, .anywhere), text)
                    .filter(\.$body, .contains(inverse: false, .anywhere), text)
                    .filter(\.$paramsJSON, .contains(inverse: false, .anywhere), text)
            }
        }
        return query
    }
}

import FluentKit

extension SMSMessage {
    /// The newest messages of the outbox that match every criterion given (nil or empty: any).
    /// The criteria run in the query, before the limit, so older matches are not cut off.
    /// - Parameters:
    ///   - unitName: a message names its unit in its parameters (`"unit":"溧阳市"`).
    ///   - text: found in the phone number, the text or the parameters.
    public static func newest(status: Status?, event: String?, unitName: String?, text: String?, limit: Int,
                              on db: any Database) async throws -> [SMSMessage] {
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
        return try await query.sort(\.$createdAt, .descending).limit(limit).all()
    }
}

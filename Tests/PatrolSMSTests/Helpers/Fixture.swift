import Foundation
import PatrolSMS

/// The message and account every provider test sends with; their requests are compared with the
/// bytes the worker sent for them before the providers moved behind `SMSProvider`, whose
/// signatures were checked again with Python's hmac/hashlib.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_716_000_000)
    static let notice = SMSEvent.notice(unit: "溧阳市", notice: "CZ2022-D01-003", findings: 3, deadline: "2022-05-17 12:00")
    static let message = OutgoingSMS(id: "6F1D2C3B-0000-4000-8000-000000000001", event: "notice", template: "notice",
                                     phone: "13800000001", text: notice.text, params: notice.params)

    static func account(templates: [String: String] = [:], region: String = "", endpoint: URL? = nil) -> SMSAccount {
        SMSAccount(keyID: "testid", keySecret: "testsecret", signName: "网信办", appID: "1400000000", region: region,
                   endpoint: endpoint, templates: templates)
    }

    static func data(_ text: String) -> Data { Data(text.utf8) }

    /// The request's body as text, for messages that name what differs.
    static func text(_ request: SMSHTTPRequest?) -> String { request.map { String(decoding: $0.body, as: UTF8.self) } ?? "(none)" }
}

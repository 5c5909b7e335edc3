import Foundation

/// The part of the API description for the SMS outbox.
extension OpenAPIDocument {
    static let messagesOperations: [Operation] = [
        .init(method: "get", url: .api(.sms), summary: "SMS outbox messages, oldest first (admin); filters status, event, q; \(paged)", tag: "sms", response: "SMSList"),
    ]

    static var messagesSchemas: [String: Any] { [
        "SMSList": page(of: object(["id": string, "event": string, "phone": string, "text": string,
                                                       "status": ["type": "string", "enum": ["pending", "sending", "sent", "failed"]],
                                                       "attempts": integer, "createdAt": dateTime, "sentAt": dateTime, "lastError": string],
                                                      required: ["event", "phone", "text", "status", "attempts", "createdAt"])),
    ] }
}

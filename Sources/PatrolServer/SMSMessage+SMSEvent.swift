import Foundation
import PatrolSMS
import PatrolStore

extension SMSMessage {
    /// An outbox row for `event` to one phone, its text, template and parameters all the event's own.
    convenience init(campaignID: UUID?, event: SMSEvent, dedupeKey: String, phone: String, now: Date) {
        self.init(campaignID: campaignID, event: event.name, dedupeKey: dedupeKey, phone: phone, template: event.template.rawValue,
                  params: event.params, body: event.text, now: now)
    }
}

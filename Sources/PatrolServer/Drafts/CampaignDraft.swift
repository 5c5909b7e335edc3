import Foundation
import PatrolCore
import Vapor

/// A campaign as the organiser sets it up: the new-campaign form, the edit form and the API body
/// all give this shape, and `CampaignSetup` checks it field by field. Times are either ISO 8601
/// with an offset (the API) or a form's local `2022-05-16T00:00`, read in the campaign's zone.
struct CampaignDraft: Content {
    var code: String?
    var name: String?
    var timeZone: String?
    var startsAt: String?
    var endsAt: String?
    var scoredAt: String?
    var officeName: String?
    var contactName: String?
    var contactPhone: String?
    var noticeHeader: String?
    var noticePrefix: String?
    /// The code of an earlier campaign whose units, teams and scoring policy the new one starts with.
    var copyFrom: String?

    /// The office fields as the campaign keeps them (blank ones left out).
    var office: CampaignOffice {
        func clean(_ s: String?) -> String? { s?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty }
        return CampaignOffice(name: clean(officeName), contactName: clean(contactName), contactPhone: clean(contactPhone),
                              noticeHeader: clean(noticeHeader), noticePrefix: clean(noticePrefix))
    }

    /// A time of the draft: ISO 8601 with offset, or a local date and time in `zone`.
    static func time(_ text: String, in zone: TimeZone) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let date = BundleDate.parse(text) { return date }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            f.dateFormat = format
            if let date = f.date(from: text) { return date }
        }
        return nil
    }
}

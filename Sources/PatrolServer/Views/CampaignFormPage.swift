import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// The new-campaign and edit-campaign form (`campaign-form` template): the draft as typed (after
/// an error) or the campaign's values, times as the browser's `datetime-local` in the campaign's zone.
struct CampaignFormPage: Encodable {
    var editing: Bool
    var action, cancelHref: String
    var error: String?
    var code, name, timeZone, startsAt, endsAt, scoredAt: String
    var officeName, contactName, contactPhone, noticeHeader, noticePrefix: String
    var zones: [SelectOption]
    /// Earlier campaigns to start from (new campaigns only).
    var sources: [SelectOption]
}

extension CampaignFormPage {
    /// Time zones offered first: where Patrol's users are; any other IANA name can be typed in the API.
    static let commonZones = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "UTC"]

    init(_ req: Request, campaign: Campaign?, draft: CampaignDraft?, error: PatrolError?, sources: [Campaign]) {
        let zone = TimeZone(identifier: draft?.timeZone ?? campaign?.timeZone ?? "Asia/Shanghai") ?? TimeZone(identifier: "Asia/Shanghai")!
        func local(_ date: Date?) -> String {
            guard let date else { return "" }
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = zone
            f.dateFormat = "yyyy-MM-dd'T'HH:mm"
            return f.string(from: date)
        }
        let office = draft?.office ?? campaign?.office ?? CampaignOffice()
        let zoneName = zone.identifier
        var zones = Self.commonZones
        if !zones.contains(zoneName) { zones.insert(zoneName, at: 0) }
        self.init(
            editing: campaign != nil,
            action: campaign.map { $0.url(.edit).path } ?? SiteURL.campaigns.path,
            cancelHref: campaign.map { $0.url(.overview).path } ?? SiteURL.campaigns.path,
            error: error.map { req.t($0) },
            code: draft?.code ?? campaign?.code ?? "", name: draft?.name ?? campaign?.name ?? "", timeZone: zoneName,
            startsAt: draft?.startsAt ?? local(campaign?.startsAt), endsAt: draft?.endsAt ?? local(campaign?.endsAt),
            scoredAt: draft?.scoredAt ?? local(campaign?.scoredAt),
            officeName: office.name ?? "", contactName: office.contactName ?? "", contactPhone: office.contactPhone ?? "",
            noticeHeader: office.noticeHeader ?? "", noticePrefix: office.noticePrefix ?? "",
            zones: zones.map { SelectOption(value: $0, label: $0, selected: $0 == zoneName) },
            sources: sources.map { SelectOption(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == draft?.copyFrom) })
    }
}

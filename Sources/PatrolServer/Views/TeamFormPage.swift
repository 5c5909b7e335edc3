import Foundation
import PatrolStore
import Vapor

/// The new-team and edit-team form (`team-form` template): the draft as typed (after an error) or
/// the team's values. A new team's code may be one the platform knows: the team then joins as it is.
struct TeamFormPage: Encodable {
    var editing: Bool
    var action, cancelHref: String
    var error: String?
    var code, name, company, contactName, contactPhone: String
    /// Teams of other campaigns that may join this one (the code field's suggestions).
    var known: [SelectOption]
}

extension TeamFormPage {
    init(_ req: Request, campaign: Campaign, team: Team?, draft: TeamDraft?, error: PatrolError?, known: [Team]) {
        func value(_ drafted: String?, _ stored: String?) -> String { drafted ?? stored ?? "" }
        self.init(
            editing: team != nil,
            action: team.map { campaign.url(.team(.value($0.code), .edit)).path } ?? campaign.url(.teams).path,
            cancelHref: team.map { campaign.url(.team(.value($0.code), .page)).path } ?? campaign.url(.teams).path,
            error: error.map { req.t($0) },
            code: value(draft?.code, team?.code), name: value(draft?.name, team?.name), company: value(draft?.company, team?.company),
            contactName: value(draft?.contactName, team?.contactName), contactPhone: value(draft?.contactPhone, team?.contactPhone),
            known: known.map { SelectOption(value: $0.code, label: "\($0.code) \($0.name)", selected: false) })
    }
}

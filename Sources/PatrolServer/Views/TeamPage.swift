import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// One team of a campaign as the admin manages it (`team` template): its details and contact, its
/// members' accounts with their switches, the form adding members, the gateway's suspend/resume
/// switch (the gateway's own route), and leaving the campaign.
struct TeamPage: Encodable {
    struct Member: Encodable {
        var username, displayName, phone: String
        var disabled, mustChange: Bool
        /// The account's own enable/disable switch (the users page's route).
        var switchAction: String
    }

    var code, name, company, contactName, contactPhone: String
    var state, stateName: String
    var interception: Bool
    var members: [Member]
    var editHref, membersAction, leaveAction, backHref: String
    /// The gateway's switch for this team (`action=suspend|resume`), and its page.
    var gatewaySwitchAction, gatewayHref: String
    var findings: Int
    /// A refusal of the last form, and what was typed into the members' box.
    var error: String?
    var lines: String
    /// An example username for the members' box, from the team code.
    var example: String
}

extension TeamPage {
    init(_ req: Request, campaign: Campaign, link: CampaignTeam, members: [User], findings: Int,
         error: PatrolError? = nil, lines: String = "") {
        let team = link.team
        func url(_ page: SiteURL.TeamPage) -> String { campaign.url(.team(.value(team.code), page)).path }
        self.init(
            code: team.code, name: team.name, company: team.company ?? "", contactName: team.contactName ?? "",
            contactPhone: team.contactPhone ?? "", state: link.state.rawValue, stateName: req.t("team.state.\(link.state.rawValue)"),
            interception: link.interception,
            members: members.map {
                Member(username: $0.username, displayName: $0.displayName, phone: $0.phone ?? "", disabled: $0.disabled,
                       mustChange: $0.mustChangePassword,
                       switchAction: SiteURL.user(.value($0.username), $0.disabled ? .enable : .disable).path)
            },
            editHref: url(.edit), membersAction: url(.members), leaveAction: url(.leave), backHref: campaign.url(.teams).path,
            gatewaySwitchAction: campaign.url(.gateway(.team(.value(team.code)))).path, gatewayHref: campaign.url(.gateway(.page)).path,
            findings: findings, error: error.map { req.t($0) }, lines: lines,
            example: team.code.lowercased() + "-" + TeamRoster.serial(1))
    }
}

/// The accounts just made for a team's members with their initial passwords (`team-members`
/// template): shown on the answer to the form only, and laid out to print as a sheet to hand out.
struct TeamMembersSheet: Encodable {
    struct Row: Encodable { var username, displayName, password: String }
    var code, name, campaignName: String
    var rows: [Row]
    var backHref: String
    var loginPath: String
}

import Foundation
import PatrolStore
import Vapor

/// One team of a campaign as the organiser manages it: the list's fields, its contact, and its
/// members' accounts (never a password: those are in `TeamMembersCreatedDTO`, once).
struct TeamDetailDTO: Content {
    struct Member: Content {
        var username: String
        var displayName: String
        var phone: String?
        var disabled: Bool
        var mustChangePassword: Bool
    }

    var code: String
    var name: String
    var company: String?
    var contactName: String?
    var contactPhone: String?
    var state: String
    var interception: Bool
    var members: [Member]

    init(_ link: CampaignTeam, members: [User]) {
        let team = link.team
        code = team.code; name = team.name; company = team.company
        contactName = team.contactName; contactPhone = team.contactPhone
        state = link.state.rawValue; interception = link.interception
        self.members = members.map {
            Member(username: $0.username, displayName: $0.displayName, phone: $0.phone, disabled: $0.disabled,
                   mustChangePassword: $0.mustChangePassword)
        }
    }
}

/// The accounts just made for a team's members, each with its initial password: the only time
/// the password is shown. Its holder must change it at first sign-in.
struct TeamMembersCreatedDTO: Content {
    struct Account: Content {
        var username: String
        var displayName: String
        var password: String
    }

    var team: String
    var members: [Account]
}

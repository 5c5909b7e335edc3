import Vapor

/// A testing team as the organiser adds or edits it: the new-team form, the edit form and the API
/// bodies give this shape, and `TeamRoster` checks it field by field. Adding a code that already
/// names a team joins that team to the campaign as it is.
struct TeamDraft: Content {
    var code: String?
    var name: String?
    var company: String?
    var contactName: String?
    var contactPhone: String?

    init(code: String? = nil, name: String? = nil, company: String? = nil, contactName: String? = nil, contactPhone: String? = nil) {
        self.code = code
        self.name = name
        self.company = company
        self.contactName = contactName
        self.contactPhone = contactPhone
    }
}

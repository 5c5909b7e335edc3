import Vapor

/// A unit and its liaisons as the organiser adds or corrects it: the unit form (liaison rows
/// `liaisons[0][name]`…) and the API body give this shape, and `UnitRoster` checks it field by field.
struct UnitDraft: Content {
    struct LiaisonDraft: Content {
        var name: String?
        var phone: String?
        var officePhone: String?
        var email: String?
    }

    /// Only for a new unit: the code names the unit in every campaign and stays.
    var code: String?
    var name: String?
    var category: String?
    /// `district`, `regulator` or `department`.
    var group: String?
    /// The parent unit's code; empty for none.
    var parent: String?
    var note: String?
    /// nil leaves a unit's liaisons as they are (an API PATCH without them); rows with no field
    /// filled are the form's spare rows and are left out.
    var liaisons: [LiaisonDraft]?
}

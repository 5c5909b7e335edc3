/// Where a unit stands in declaring its assets (issue 19), as the organiser follows it before the
/// campaign starts: nothing declared, declared and awaiting review, every declaration confirmed,
/// or only rejected ones left (the liaison must correct them).
public enum DeclarationStatus: String, Sendable, CaseIterable {
    case none, pending, confirmed, rejected

    public init(pending: Int, approved: Int, rejected: Int) {
        if pending > 0 { self = .pending }
        else if approved > 0 { self = .confirmed }
        else if rejected > 0 { self = .rejected }
        else { self = .none }
    }
}

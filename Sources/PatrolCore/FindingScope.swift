import Foundation

/// Which findings of a campaign an actor may see, as one answer of the access policy that the
/// store turns into a query (`viewFinding` decides one finding; lists use this, so the two agree).
public enum FindingScope: Sendable, Equatable {
    case all
    /// A testing team's own findings.
    case team(UUID)
    /// A unit's findings once notified to it.
    case notifiedOfUnit(UUID)
    case none
}

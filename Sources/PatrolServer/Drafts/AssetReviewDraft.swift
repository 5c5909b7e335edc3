import Vapor

/// The organiser's decision on declared assets, from the review form (one asset, or the boxes
/// ticked on the review queue) or the API: `approve`, or `reject` with the reason the liaison reads.
struct AssetReviewDraft: Content {
    var decision: String
    var reason: String?
    /// The assets decided on together (the queue's ticked boxes); one asset's form leaves it out.
    var assets: [String]?
}

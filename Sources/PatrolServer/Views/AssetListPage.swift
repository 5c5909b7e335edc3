import PatrolCore
import PatrolStore
import Vapor

/// The campaign's assets (`assets` template), searchable by text, unit and kind.
struct AssetListPage: Encodable {
    struct Row: Encodable {
        var asset: AssetRow
        var unitCode, unitName, unitHref: String
    }
    typealias Option = SelectOption
    var rows: [Row]
    var kinds: [Option]
    var q: String
    var unit: String
    var sorts: [Option]
    var pager: Pager
    /// Whether the reader may mark assets as internal networks (admins).
    var canMarkInternal: Bool
    /// Whether the reader approves and rejects declarations (admins, reviewers), the review
    /// filter's choices, and where several ticked assets are decided at once.
    var canReview: Bool
    var reviews: [Option]
    var reviewQueue: Bool
    var reviewManyAction: String
}

extension AssetListPage {
    /// The page over `assets`, one page of those the reader may see that match `filter` (units loaded).
    init(_ req: Request, campaign: Campaign, assets: [Asset], filter: AssetController.Filter, order: AssetController.Order,
         pager: Pager) {
        let kinds = AssetKind.allCases.map {
            Option(value: $0.rawValue, label: req.t("asset.kind.\($0.rawValue)"), selected: $0.rawValue == filter.kind)
        }
        let rows = assets.map { Row(asset: AssetRow($0, req, campaign: campaign), unitCode: $0.unit.code, unitName: $0.unit.name,
                                    unitHref: campaign.url(.unit(.value($0.unit.code), .page)).path) }
        let canReview = req.actor.map { AccessPolicy.decide($0, .reviewAssets) == .allow } ?? false
        let visible = req.actor.map(AccessPolicy.visibleAssetReviews(for:)) ?? []
        let reviews = AssetReview.allCases.filter(visible.contains).map {
            Option(value: $0.rawValue, label: req.t("asset.review.\($0.rawValue)"), selected: $0.rawValue == filter.review)
        }
        let sorts = AssetController.Order.allCases.map {
            Option(value: $0.rawValue, label: req.t("assets.sort.\($0.rawValue)"), selected: $0 == order)
        }
        self.init(rows: rows, kinds: kinds, q: filter.q ?? "", unit: filter.unit ?? "", sorts: sorts, pager: pager,
                  canMarkInternal: req.actor.map { AccessPolicy.decide($0, .markInternalNetwork) == .allow } ?? false,
                  canReview: canReview, reviews: visible.count > 1 ? reviews : [],
                  reviewQueue: canReview && filter.review == AssetReview.pending.rawValue && !rows.isEmpty,
                  reviewManyAction: campaign.url(.assetReview).path)
    }
}

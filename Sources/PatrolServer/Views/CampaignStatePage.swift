import PatrolCore
import PatrolStore
import Vapor

/// The confirmation of a state change (`campaign-state` template): every failing check with its
/// count, whether the change can go ahead, and whether it needs a recorded reason.
struct CampaignStatePage: Encodable {
    struct Item: Encodable { var text, weight: String }
    var campaignName, from, to, toState, action, cancelHref: String
    var items: [Item]
    var blocked: Bool
    var needsReason: Bool
    var error: String?
}

extension CampaignStatePage {
    init(_ req: Request, campaign: Campaign, to state: CampaignState, checks: [CampaignReadiness.Check], error: PatrolError?) {
        self.init(campaignName: campaign.name, from: req.t("campaign.state.\(campaign.state.rawValue)"),
                  to: req.t("campaign.state.\(state.rawValue)"), toState: state.rawValue,
                  action: campaign.url(.state).path, cancelHref: campaign.url(.overview).path,
                  items: checks.map { Item(text: req.t("campaign.check.\($0.code)", ["n": "\($0.count)"]), weight: $0.weight.rawValue) },
                  blocked: checks.contains { $0.weight == .blocking },
                  needsReason: checks.contains { $0.weight == .needsReason },
                  error: error.map { req.t($0) })
    }
}

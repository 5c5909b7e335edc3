import PatrolStore

extension Campaign {
    /// A page or action of this campaign, for links and redirects.
    func url(_ page: SiteURL.CampaignPage) -> SiteURL { .campaign(.value(code), page) }
}

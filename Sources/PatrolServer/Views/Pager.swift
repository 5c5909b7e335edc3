import Vapor

/// Numbered pages under a web list: which rows this page shows, links to the first, last and
/// nearby pages that keep the list's filters and sort, and the range text ("第 51–100 条，共 230 条").
struct Pager: Encodable {
    struct Link: Encodable {
        var number: Int
        var href: String
        var current: Bool
        /// Pages are left out between this link and the one before ("…").
        var gapBefore: Bool
    }

    static let pageSize = 50

    var total: Int
    var page: Int
    var pages: Int
    var links: [Link]
    var previousHref: String?
    var nextHref: String?
    var rangeText: String

    /// The page `asked` of `total` rows (clamped into range), linking to `url` with `query` (empty
    /// values left out); `parameter` names the page number, for a page with two lists.
    init(_ req: Request, total: Int, asked: Int?, url: SiteURL, query: [(String, String?)], size: Int = Pager.pageSize,
         parameter: String = "page", rangeKey: String = "pager.range") {
        let pages = max(1, (total + size - 1) / size)
        let page = min(max(asked ?? 1, 1), pages)
        func href(_ n: Int) -> String {
            url.path(query: query.filter { $0.0 != parameter } + [(parameter, n > 1 ? String(n) : nil)])
        }
        // The first and last page, and two either side of this one.
        let shown = Set([1, pages] + Array(max(1, page - 2)...min(pages, page + 2))).sorted()
        self.total = total
        self.page = page
        self.pages = pages
        self.links = shown.enumerated().map { i, n in
            Link(number: n, href: href(n), current: n == page, gapBefore: i > 0 && shown[i - 1] < n - 1)
        }
        self.previousHref = page > 1 ? href(page - 1) : nil
        self.nextHref = page < pages ? href(page + 1) : nil
        let first = total == 0 ? 0 : (page - 1) * size + 1
        self.rangeText = req.t(rangeKey, ["first": "\(first)", "last": "\(min(page * size, total))", "total": "\(total)"])
        self.offset = (page - 1) * size
        self.size = size
    }

    /// Rows to skip and take for this page.
    var offset: Int
    var size: Int
}

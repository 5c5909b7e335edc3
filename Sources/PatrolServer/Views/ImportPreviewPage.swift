import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// The preview of an uploaded units list (`import-preview` template): what each unit would become,
/// every problem by row and column, and the confirmation when there is nothing wrong.
struct ImportPreviewPage: Encodable {
    struct Count: Encodable { var action, label: String; var n: Int }
    struct Problem: Encodable { var row: Int; var column, header, value, message: String }
    struct Item: Encodable {
        var rows, action, actionName, code, name, category, groupName, liaisons, changes: String
        var parent: String?
    }
    var filename, source: String
    var headerRow: Int
    var ignoredColumns: String
    var footnotes: [String]
    var counts: [Count]
    var problems: [Problem]
    var items: [Item]
    var canApply: Bool
    var nothingToDo: Bool
    var confirmAction, token, digest, backHref: String
}

extension ImportPreviewPage {
    init(_ req: Request, campaign: Campaign, plan: UnitImportPlan, filename: String, token: String, digest: String) {
        let source: String
        switch plan.source {
        case .workbook(let sheet): source = req.t("import.source.workbook", ["sheet": sheet])
        case .csv(let encoding): source = req.t("import.source.csv", ["encoding": req.t("sheet.encoding.\(encoding.rawValue)")])
        }
        let counts = UnitImportPlan.Action.allCases.map {
            Count(action: $0.rawValue, label: req.t("import.action.\($0.rawValue)"), n: plan.count($0))
        }
        let problems = plan.problems.map { p in
            Problem(row: p.row, column: p.column ?? "", header: p.header.map { req.t($0) } ?? "", value: p.value,
                    message: req.t(p.key, p.values))
        }
        let items = plan.items.map { i in
            Item(rows: i.rows.map(String.init).joined(separator: "、"), action: i.action.rawValue,
                 actionName: req.t("import.action.\(i.action.rawValue)"), code: i.code, name: i.name, category: i.category,
                 groupName: req.t("unit.group.\(i.group.rawValue)"),
                 liaisons: i.liaisons.map { $0.map { "\($0.name) \($0.phone)" }.joined(separator: "；") } ?? "",
                 changes: i.changes.map { req.t("import.unit.column.\($0 == "liaisons" ? "liaison" : $0)") }.joined(separator: "、"),
                 parent: i.parentCode)
        }
        self.init(filename: filename, source: source, headerRow: plan.headerRow, ignoredColumns: plan.ignoredColumns.joined(separator: "、"),
                  footnotes: plan.footnotes.map { req.t("import.footnote", ["row": "\($0.row)", "text": $0.text]) },
                  counts: counts, problems: problems, items: items, canApply: plan.canApply,
                  nothingToDo: plan.problems.isEmpty && !plan.canApply,
                  confirmAction: campaign.url(.importConfirm).path, token: token, digest: digest,
                  backHref: campaign.url(.importList).path)
    }
}

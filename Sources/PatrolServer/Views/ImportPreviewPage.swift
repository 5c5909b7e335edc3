import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// The preview of an uploaded list (`import-preview` template): what each row would become, every
/// problem by row and column, and the confirmation when there is nothing wrong. One page for every
/// list: each plan gives its counts, its columns and a row of cells per item.
struct ImportPreviewPage: Encodable {
    struct Count: Encodable { var action, label: String; var n: Int }
    struct Problem: Encodable { var row: Int; var column, header, value, message: String }
    struct Item: Encodable { var rows, action, actionName: String; var cells: [Cell] }
    struct Cell: Encodable { var label, value: String }
    var list, listName, filename, source: String
    var headerRow: Int
    var ignoredColumns: String
    var footnotes: [String]
    var counts: [Count]
    var problems: [Problem]
    var headers: [String]
    var items: [Item]
    var canApply: Bool
    var nothingToDo: Bool
    var pendingReview: Bool
    var confirmAction, token, digest, backHref: String
}

extension ImportPreviewPage {
    struct Upload { var filename, token, digest: String }

    private init(_ req: Request, campaign: Campaign, list: ImportList, upload: Upload, source: SheetSource, headerRow: Int,
                 ignored: [String], footnotes: [String], counts: [(String, Int)], problems: [ImportProblem],
                 headers: [String], items: [(rows: String, action: String, cells: [String])], canApply: Bool, pendingReview: Bool) {
        let sourceText: String
        switch source {
        case .workbook(let sheet): sourceText = req.t("import.source.workbook", ["sheet": sheet])
        case .csv(let encoding): sourceText = req.t("import.source.csv", ["encoding": req.t("sheet.encoding.\(encoding.rawValue)")])
        }
        let labels = headers.map { req.t($0) }
        self.init(
            list: list.rawValue, listName: req.t("import.list.\(list.rawValue)"), filename: upload.filename, source: sourceText,
            headerRow: headerRow, ignoredColumns: ignored.joined(separator: "、"), footnotes: footnotes,
            counts: counts.map { Count(action: $0.0, label: req.t("import.action.\($0.0)"), n: $0.1) },
            problems: problems.map { p in
                Problem(row: p.row, column: p.column ?? "", header: p.header.map { req.t($0) } ?? "", value: p.value,
                        message: req.t(p.key, p.values))
            },
            headers: labels,
            items: items.map { i in
                Item(rows: i.rows, action: i.action, actionName: req.t("import.action.\(i.action)"),
                     cells: zip(labels, i.cells).map { Cell(label: $0.0, value: $0.1) })
            },
            canApply: canApply, nothingToDo: problems.isEmpty && !canApply, pendingReview: pendingReview,
            confirmAction: campaign.url(.importConfirm).path, token: upload.token, digest: upload.digest,
            backHref: campaign.url(.importList).path)
    }

    init(_ req: Request, campaign: Campaign, units plan: UnitImportPlan, upload: Upload) {
        let items = plan.items.map { i in
            (rows: i.rows.map(String.init).joined(separator: "、"), action: i.action.rawValue,
             cells: [i.code, i.name, i.category, req.t("unit.group.\(i.group.rawValue)"), i.parentCode ?? "",
                     i.liaisons.map { $0.map { "\($0.name) \($0.phone)" }.joined(separator: "；") } ?? "",
                     i.changes.map { req.t("import.unit.column.\($0 == "liaisons" ? "liaison" : $0)") }.joined(separator: "、")])
        }
        self.init(req, campaign: campaign, list: .units, upload: upload, source: plan.source, headerRow: plan.headerRow,
                  ignored: plan.ignoredColumns,
                  footnotes: plan.footnotes.map { req.t("import.footnote", ["row": "\($0.row)", "text": $0.text]) },
                  counts: UnitImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }, problems: plan.problems,
                  headers: ["import.unit.column.code", "import.unit.column.name", "import.unit.column.category", "import.unit.column.group",
                            "import.unit.column.parent", "import.unit.column.liaison", "import.changes"],
                  items: items, canApply: plan.canApply, pendingReview: false)
    }

    init(_ req: Request, campaign: Campaign, assets plan: AssetImportPlan, upload: Upload, pendingReview: Bool) {
        let items = plan.items.map { i in
            (rows: "\(i.row)", action: i.action.rawValue,
             cells: ["\(i.unitCode) \(i.unitName)", req.t("asset.kind.\(i.kind.rawValue)"), i.target, i.ports ?? "", i.note ?? "",
                     i.changes.map { req.t("import.asset.column.\($0)") }.joined(separator: "、")])
        }
        self.init(req, campaign: campaign, list: .assets, upload: upload, source: plan.source, headerRow: plan.headerRow,
                  ignored: plan.ignoredColumns, footnotes: [],
                  counts: AssetImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }, problems: plan.problems,
                  headers: ["import.asset.column.unitName", "import.asset.column.kind", "import.asset.column.target",
                            "import.asset.column.ports", "import.asset.column.note", "import.changes"],
                  items: items, canApply: plan.canApply, pendingReview: pendingReview)
    }

    init(_ req: Request, campaign: Campaign, teams plan: TeamImportPlan, upload: Upload) {
        let items = plan.items.map { i in
            (rows: i.rows.map(String.init).joined(separator: "、"), action: i.action.rawValue,
             cells: ["\(i.code) \(i.name)", i.company ?? "", [i.contactName, i.contactPhone].compactMap { $0 }.joined(separator: " "),
                     i.members.filter { !$0.exists }.map { "\($0.name)\($0.username.map { "（\($0)）" } ?? "")" }.joined(separator: "、"),
                     i.members.filter(\.exists).map(\.name).joined(separator: "、")])
        }
        self.init(req, campaign: campaign, list: .teams, upload: upload, source: plan.source, headerRow: plan.headerRow,
                  ignored: plan.ignoredColumns, footnotes: [],
                  counts: TeamImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) } + [("newMembers", plan.newMembers)],
                  problems: plan.problems,
                  headers: ["import.team.column.name", "import.team.column.company", "import.team.column.contactName",
                            "import.team.newMembers", "import.team.existingMembers"],
                  items: items, canApply: plan.canApply, pendingReview: false)
    }
}

import CSV
import Foundation
import PatrolCore

/// The demo campaign `CZ2022` "网安2022常州行动": the 83 real unit names of the original campaign
/// with invented liaisons, assets under reserved example names and documentation addresses
/// (RFC 2606 / RFC 5737, never real hosts) and a plausible history of findings in every state.
/// Seeded, so every run builds the same campaign.
public enum DemoCampaign {
    public static let code = "CZ2022"

    public struct UnitRow: Sendable {
        public var code, name, category, group: String
        public var note: String?
    }

    /// The unit list shipped with Patrol (`units-changzhou-2022.csv`), notes included.
    public static func unitRows() throws -> [UnitRow] {
        guard let url = Bundle.module.url(forResource: "units-changzhou-2022", withExtension: "csv", subdirectory: "Resources") else {
            throw CocoaError(.fileNoSuchFile)
        }
        let reader = try CSVReader(string: try String(contentsOf: url, encoding: .utf8), hasHeaderRow: true)
        var rows: [UnitRow] = []
        while reader.next() != nil {
            rows.append(UnitRow(code: reader["code"] ?? "", name: reader["name"] ?? "", category: reader["category"] ?? "",
                                group: reader["group"] ?? "", note: (reader["note"]).flatMap { $0.isEmpty ? nil : $0 }))
        }
        return rows
    }

    public static func bundle() throws -> CampaignBundle {
        var rng = SeededGenerator(seed: 2022_05_16)
        let tz = TimeZone(identifier: "Asia/Shanghai")!
        let start = BundleDate.parse("2022-05-16T00:00:00+08:00")!
        func at(_ hours: Double) -> String { BundleDate.format(start.addingTimeInterval(hours * 3600), in: tz) }

        let rows = try unitRows()
        let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾")
        let given = ["伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "杰", "涛", "明", "超", "霞", "平", "刚", "婷", "晨", "宇", "建国", "志刚", "海燕", "晓东", "文博", "雪梅"]
        var phoneSeq = 0
        func liaison() -> CampaignBundle.Liaison {
            phoneSeq += 1
            return .init(name: String(surnames.randomElement(using: &rng)!) + given.randomElement(using: &rng)!,
                         phone: String(format: "138000%05d", phoneSeq))
        }

        var units: [CampaignBundle.Unit] = []
        var assets: [CampaignBundle.Asset] = []
        var ipOctet = 10
        for row in rows {
            let host = row.code.lowercased()
            units.append(.init(code: row.code, name: row.name, category: row.category, group: row.group, note: row.note,
                               liaisons: Int.random(in: 0..<4, using: &rng) == 0 ? [liaison(), liaison()] : [liaison()]))
            var list: [(AssetKind, String, String?)] = [(.website, "https://www.\(host).changzhou.example/", nil)]
            let extra = Int.random(in: 1...4, using: &rng)
            let candidates: [(AssetKind, String, String?)] = [
                (.website, "https://oa.\(host).changzhou.example/", nil),
                (.domain, "*.\(host).changzhou.example", nil),
                (.ip, "198.51.100.\(ipOctet)", "80,443,8080"),
                (.website, "http://wx.\(host).changzhou.example:8080/", nil),
                (.app, "「掌上\(row.name)」微信小程序 (api.\(host).changzhou.example)", nil),
                (.cloud, "政务云 ECS 203.0.113.\(ipOctet)", "22,443"),
            ]
            ipOctet = ipOctet % 240 + 1
            for c in candidates.shuffled(using: &rng).prefix(extra) { list.append(c) }
            for (i, a) in list.enumerated() {
                assets.append(.init(code: "\(row.code)-\(i + 1)", unit: row.code, kind: a.0.rawValue, target: a.1,
                                    ports: a.2, origin: AssetOrigin.declared.rawValue))
            }
        }

        let teams: [CampaignBundle.Team] = [
            .init(code: "T01", name: "检测一队", company: "示例信息安全技术有限公司", state: "active"),
            .init(code: "T02", name: "检测二队", company: "示例网络安全服务股份公司", state: "active"),
        ]

        let kinds: [(type: String, title: String, severity: Severity, weak: Bool, records: Int, shell: Bool)] = [
            ("弱口令", "后台管理系统存在弱口令（admin/admin123）", .high, true, 0, false),
            ("SQL注入", "查询接口存在SQL注入，可获取数据库内容", .high, false, 0, false),
            ("SQL注入", "登录接口存在SQL注入，泄露公民个人信息", .critical, false, 12_800, false),
            ("命令执行", "中间件反序列化漏洞导致远程命令执行", .critical, false, 0, true),
            ("未授权访问", "数据接口未授权访问，可遍历办事群众信息", .high, false, 2_300, false),
            ("信息泄露", "网站备份文件可下载，泄露配置信息", .medium, false, 0, false),
            ("任意文件上传", "附件上传功能未校验类型，可上传 WebShell", .critical, false, 0, true),
            ("越权", "水平越权可查看他人申报材料", .medium, false, 460, false),
            ("XSS", "留言板存在存储型跨站脚本", .low, false, 0, false),
            ("信息泄露", "Spring Boot Actuator 端点暴露", .medium, false, 0, false),
        ]

        var findings: [CampaignBundle.Finding] = []
        var n = 0
        func nextCode() -> String { n += 1; return String(format: "F%04d", n) }
        // The unit list is in a fixed order; pick about two thirds of the units to have findings.
        let unitAssets = Dictionary(grouping: assets, by: \.unit)
        let statuses: [FindingStatus] = [.closed, .closed, .closed, .closed, .remediated, .notified, .notified, .verified,
                                         .submitted, .needInfo, .rejected, .closed, .closed, .remediated]
        for (ui, row) in rows.enumerated() where ui % 3 != 2 {
            let count = Int.random(in: 1...3, using: &rng)
            for _ in 0..<count {
                let k = kinds.randomElement(using: &rng)!
                let asset = unitAssets[row.code]!.randomElement(using: &rng)!
                let team = Bool.random(using: &rng) ? "T01" : "T02"
                let status = statuses.randomElement(using: &rng)!
                let submittedH = Double(Int.random(in: 2...100, using: &rng)) + 0.25
                let code = nextCode()
                var f = CampaignBundle.Finding(
                    code: code, unit: row.code, asset: asset.code, team: team, kind: FindingKind.vulnerability.rawValue,
                    severity: k.severity.rawValue, type: k.type, weakPassword: k.weak, sensitiveRecords: k.records,
                    title: k.title, description: "\(row.name)资产 \(asset.target) \(k.title)。",
                    reproduction: "1. 访问 \(asset.target)\n2. 按检测报告附件步骤复现", url: asset.kind == AssetKind.website.rawValue ? asset.target : nil,
                    shellPaths: k.shell ? ["/upload/files/\(team.lowercased())_\(code.lowercased()).jsp"] : [],
                    status: status.rawValue, submittedAt: at(submittedH), remediations: [])
                if status == .needInfo { f.reviewNote = "请补充复现截图及请求报文。" }
                if status == .rejected { f.reviewNote = "经核实为测试环境，不在检测范围内。" }
                if status.isCounted { f.verifiedAt = at(submittedH + 1.5) }
                if status.isNotified {
                    let notifiedH = submittedH + 3
                    f.notifiedAt = at(notifiedH)
                    // Fix delays spread over the 24 / 48 / 72 h brackets and beyond.
                    let fixH = [6.0, 20, 30, 44, 60, 70, 90].randomElement(using: &rng)!
                    let shells = f.shellPaths ?? []
                    switch status {
                    case .closed:
                        if Int.random(in: 0..<4, using: &rng) == 0 {
                            f.remediations!.append(.init(submittedAt: at(notifiedH + fixH / 2), description: "已修改配置。",
                                                         shellsDeleted: shells, retest: "failed",
                                                         retestReason: "复测仍可复现，修复不彻底。", retestedAt: at(notifiedH + fixH / 2 + 2)))
                        }
                        f.remediations!.append(.init(submittedAt: at(notifiedH + fixH), description: "已完成整改：升级组件、修改口令并加固。",
                                                     shellsDeleted: shells, retest: "passed", retestedAt: at(notifiedH + fixH + 4)))
                    case .remediated:
                        f.remediations!.append(.init(submittedAt: at(notifiedH + fixH), description: "已关闭相关端口并删除上传文件。",
                                                     shellsDeleted: shells))
                    default:
                        if Bool.random(using: &rng) {
                            f.remediations!.append(.init(submittedAt: at(notifiedH + 10), description: "已整改。", shellsDeleted: shells,
                                                         retest: "failed", retestReason: "上传的 WebShell 仍可访问，请删除后重新提交。",
                                                         retestedAt: at(notifiedH + 14)))
                        }
                    }
                }
                findings.append(f)
            }
        }
        // A duplicate of the first verified-or-later finding, and some unreported assets.
        if let original = findings.first(where: { FindingStatus(rawValue: $0.status)!.isCounted }) {
            var dup = original
            dup.code = nextCode()
            dup.team = original.team == "T01" ? "T02" : "T01"
            dup.status = FindingStatus.duplicate.rawValue
            dup.duplicateOf = original.code
            dup.verifiedAt = nil; dup.notifiedAt = nil; dup.remediations = []
            findings.append(dup)
        }
        for row in rows.filter({ $0.group == "district" }).prefix(4) {
            let assetCode = "\(row.code)-X1"
            assets.append(.init(code: assetCode, unit: row.code, kind: AssetKind.website.rawValue,
                                target: "http://old.\(row.code.lowercased()).changzhou.example/", origin: AssetOrigin.discovered.rawValue,
                                note: "检测中发现的未报送资产"))
            let h = Double(Int.random(in: 10...90, using: &rng))
            findings.append(.init(code: nextCode(), unit: row.code, asset: assetCode, team: "T01",
                                  kind: FindingKind.assetDiscrepancy.rawValue, title: "发现未报送的互联网资产（旧版门户网站）",
                                  description: "该网站仍在运行但未在资产清单中报送。", status: FindingStatus.verified.rawValue,
                                  submittedAt: at(h), verifiedAt: at(h + 2)))
        }
        if let row = rows.first(where: { $0.code == "G33" }) {
            let h = 30.0
            findings.append(.init(code: nextCode(), unit: row.code, asset: "\(row.code)-1", team: "T02",
                                  kind: FindingKind.intrusion.rawValue, title: "网站目录中发现历史遗留 WebShell（非本次检测上传）",
                                  description: "/images/x.php 为一句话木马，修改时间早于检测开始，判定为被入侵痕迹。",
                                  status: FindingStatus.closed.rawValue, submittedAt: at(h), verifiedAt: at(h + 1), notifiedAt: at(h + 2),
                                  remediations: [.init(submittedAt: at(h + 20), description: "已删除木马、排查日志并重置口令。",
                                                       shellsDeleted: [], retest: "passed", retestedAt: at(h + 26))]))
        }

        // Notices: one per unit and day of notification.
        var notices: [CampaignBundle.Notice] = []
        var seq: [String: Int] = [:]
        let notified = findings.filter { $0.notifiedAt != nil }
        let batches = Dictionary(grouping: notified) { f in "\(f.unit)|\(f.notifiedAt!.prefix(10))" }
        for key in batches.keys.sorted() {
            let batch = batches[key]!.sorted { $0.code < $1.code }
            let unit = batch[0].unit
            seq[unit, default: 0] += 1
            let issued = batch.map(\.notifiedAt!).min()!
            notices.append(.init(code: "\(code)-\(unit)-\(String(format: "%03d", seq[unit]!))", unit: unit,
                                 issuedAt: issued, findings: batch.map(\.code)))
        }
        // The notice time is the notifiedAt of every finding in it.
        for (i, f) in findings.enumerated() where f.notifiedAt != nil {
            if let notice = notices.first(where: { $0.findings.contains(f.code) }) { findings[i].notifiedAt = notice.issuedAt }
        }

        return CampaignBundle(
            campaign: .init(code: code, name: "网安2022常州行动", timeZone: "Asia/Shanghai",
                            startsAt: "2022-05-16T00:00:00+08:00", endsAt: "2022-05-21T00:00:00+08:00",
                            scoredAt: "2022-05-31T00:00:00+08:00", state: CampaignState.closed.rawValue, demo: true),
            units: units, assets: assets, teams: teams, findings: findings, notices: notices)
    }
}

import PatrolSheet

/// The columns of the office's unit list, as an import would declare them.
enum UnitField: Hashable, Sendable {
    case serial, name, category, regulator, liaison, phone

    static let fields: [HeaderField<UnitField>] = [
        HeaderField(.serial, aliases: ["序号"], required: false),
        HeaderField(.name, aliases: ["单位名称", "单位"]),
        HeaderField(.category, aliases: ["类别", "单位类别"]),
        HeaderField(.regulator, aliases: ["行业主管监管部门", "主管部门"], required: false),
        HeaderField(.liaison, aliases: ["网络安全联络员", "联络员"]),
        HeaderField(.phone, aliases: ["联络员手机", "手机", "手机号码"]),
    ]
}

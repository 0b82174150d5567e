package weiban

// The work order as GET /open-api/workorder/detail sends it (api-8267914). Every field of the
// document's example response is here, including those the bot does not use yet, so the
// example test proves the whole shape parses. list (api-8267893) sends a subset of the same
// fields per entry.

// wireOrder is work_order.
type wireOrder struct {
	ButtonOperate     wireButtons     `json:"button_operate"` // 可操作权限
	CCList            flexStrings     `json:"cc_list"`        // 抄送员工id列表
	Content           wireContent     `json:"content"`        // 流转填写的备注
	CorpID            flexString      `json:"corp_id"`        // 企业id
	CreatedAt         flexTime        `json:"created_at"`     // 创建时间
	CreatorAvatar     flexString      `json:"creator_avatar"` // 创建者头像
	CreatorID         flexString      `json:"creator_id"`     // 创建者id
	CreatorName       flexString      `json:"creator_name"`   // 创建者姓名
	Deleted           flexInt         `json:"deleted"`        // in the example only
	Deliver           flexBool        `json:"deliver"`        // 是否被投递
	FlowHandler       flexInt         `json:"flow_handler"`   // 是否在流内
	HandlerAvatar     flexString      `json:"handler_avatar"` // 处理人头像
	HandlerID         flexString      `json:"handler_id"`     // 处理人id
	HandlerName       flexString      `json:"handler_name"`   // 处理人姓名
	ID                flexInt         `json:"id"`             // internal row id, not the order_no
	LastHandlerAvatar flexString      `json:"last_handler_avatar"`
	LastHandlerID     flexString      `json:"last_handler_id"`
	LastHandlerName   flexString      `json:"last_handler_name"`
	MsgList           flexStrings     `json:"msg_list"`         // 聊天记录列表
	OrderNo           flexString      `json:"order_no"`         // 工单号: a string; never parse it as a number
	ProcessingFlows   []wireFlow      `json:"processing_flows"` // 工单流程, newest first in the example
	RelationAvatar    flexString      `json:"relation_avatar"`
	RelationCorpName  flexString      `json:"relation_corp_name"` // 关系公司名
	RelationID        flexString      `json:"relation_id"`
	RelationName      flexString      `json:"relation_name"` // 关系实体名 (the customer)
	RelationType      flexInt         `json:"relation_type"`
	Reopen            flexBool        `json:"reopen"`     // 是否重新打开过
	StageName         flexString      `json:"stage_name"` // 阶段名
	Status            flexString      `json:"status"`     // 工单状态: an integer with no published enum
	TemplateID        flexInt         `json:"template_id"`
	TemplateStep      flexInt         `json:"template_step"`
	TemplateTitle     flexString      `json:"template_title"`
	Title             flexString      `json:"title"`
	TotalTime         flexInt         `json:"total_time"` // 工单持续时间, seconds (ASSUME: the API's unit)
	UpdatedAt         flexTime        `json:"updated_at"`
	Components        []wireComponent `json:"work_order_component_record_list"`
}

// wireButtons is button_operate: what the token's staff may do to the work order now.
type wireButtons struct {
	ChatRecord  flexBool `json:"chat_record"`
	Close       flexBool `json:"close"`
	Comment     flexBool `json:"comment"`
	Deliver     flexBool `json:"deliver"`
	Evaluate    flexBool `json:"evaluate"`
	PreviewFlow flexBool `json:"preview_flow"`
	Reopen      flexBool `json:"reopen"`
	Share       flexBool `json:"share"`
	Update      flexBool `json:"update"`
}

// wireFlow is one processing_flows entry (21 fields).
type wireFlow struct {
	AttachedJSON   wireAttachments `json:"attached_json"`
	CCList         flexStrings     `json:"cc_list"`
	Content        wireContent     `json:"content"`
	CreatedAt      flexTime        `json:"created_at"`
	CreatorAvatar  flexString      `json:"creator_avatar"`
	CreatorID      flexString      `json:"creator_id"`
	CreatorName    flexString      `json:"creator_name"`
	DelReplyStatus flexBool        `json:"del_reply_status"`
	HandlerAvatar  flexString      `json:"handler_avatar"`
	HandlerID      flexString      `json:"handler_id"`
	HandlerName    flexString      `json:"handler_name"`
	ID             flexInt         `json:"id"`
	IsShow         flexInt         `json:"is_show"`
	Point          flexInt         `json:"point"`
	ReplyTime      flexInt         `json:"reply_time"` // 0 in the example; unit undocumented
	ToAvatar       flexString      `json:"to_avatar"`
	ToID           flexString      `json:"to_id"`
	ToName         flexString      `json:"to_name"`
	ToType         flexInt         `json:"to_type"`
	Type           flexInt         `json:"type"`      // 1 新建工单, 2 待处理 observed
	TypeName       flexString      `json:"type_name"` // the label; mapped by its text (§4.7)
}

// wireComponent is one work_order_component_record_list entry (12 fields): a custom-form
// value. Its corp_id and order_no are JSON numbers whose precision Weiban already lost
// (1471808049579561000 for 1471808049579560960), so they are kept as text and never used.
type wireComponent struct {
	ComponentID   flexInt     `json:"component_id"`
	ComponentType flexString  `json:"component_type"` // input, select, selectMultiple, checked, file
	CorpID        flexString  `json:"corp_id"`
	CreatedAt     flexTime    `json:"created_at"` // RFC 3339, unlike every other time
	ID            flexInt     `json:"id"`
	OrderNo       flexString  `json:"order_no"`
	Sort          flexInt     `json:"sort"`
	TemplateID    flexInt     `json:"template_id"`
	Title         flexString  `json:"title"`
	UpdatedAt     flexTime    `json:"updated_at"`
	Value         flexString  `json:"value"`
	Values        flexStrings `json:"values"`
}

// detailResponse is the detail answer.
type detailResponse struct {
	WorkOrder *wireOrder `json:"work_order"`
}

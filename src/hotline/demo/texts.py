"""The demo history's words: what citizens ask, per category, with places and details drawn in.

Written for the fictional city 海滨市 (docs/demo-city.md): templates × places × details, so that
no two tickets read alike and a classifier trained on them learns the categories' words, not the
sentences. Nothing here is taken from the shared public data.

A template is ``"k|text"``: ``k`` is the kind (c consultation, h help, p complaint, r report,
s suggestion, g praise); ``{where}`` is a place, ``{road}`` a road, ``{n}`` a small number,
``{hours}`` hours, ``{days}`` days, ``{shop}`` a business.
"""

from __future__ import annotations

import random
from typing import Final

from hotline.domain.vocabulary import Kind

KINDS: Final = {
    "c": Kind.CONSULTATION,
    "h": Kind.HELP,
    "p": Kind.COMPLAINT,
    "r": Kind.REPORT,
    "s": Kind.SUGGESTION,
    "g": Kind.PRAISE,
}

#: Per category: (relative volume, templates). Volumes follow what busy centres report most:
#: utilities, streets, property management, noise and wages far ahead of marriage or fisheries.
TEMPLATES: Final[dict[str, tuple[int, tuple[str, ...]]]] = {
    "urban.streetlight": (
        30,
        (
            "h|{where}路灯不亮了，晚上黑乎乎的，走路要打手电",
            "h|我们这边的路灯坏了，天黑以后很黑，麻烦派人来修",
            "h|{where}的路灯已经{days}天没亮了，晚上走路黑漆漆的，老人小孩出门很不安全",
            "h|{road}一排路灯全部不亮，天一黑整条路都看不清，麻烦派人修一下",
            "h|{where}门口那根灯杆上的灯一闪一闪的，时亮时不亮，晚上照明很差",
            "p|{where}路灯坏了很久，反映过也没人来修，夜里骑车差点摔倒",
            "g|感谢城管的师傅，{where}的路灯报修第二天就亮了，效率很高",
        ),
    ),
    "urban.road": (
        18,
        (
            "h|{road}路上有个大坑，车一过就颠",
            "h|{where}人行道塌了一块，麻烦来补一下",
            "h|{road}靠近{where}的路面塌陷了一个大坑，下雨积水看不见，电动车容易翻车",
            "h|{where}人行道的地砖松动翘起，好几块都碎了，走路容易绊倒",
            "p|{road}路面坑坑洼洼，修了又坏，车子经过颠得厉害",
            "h|{road}的道路护栏被撞歪了，一直没人扶正，存在安全隐患",
        ),
    ),
    "urban.drainage": (
        16,
        (
            "h|{where}下水道堵了，污水漫到路上了",
            "h|{road}井盖不见了，很危险",
            "h|{where}的下水道堵塞了，污水从井口冒出来，臭气熏天",
            "h|{road}有个井盖缺失，只剩一个黑洞，晚上行人很危险，请尽快补上",
            "p|{where}排水管一直堵，每次下雨污水冒溢到路面，反映多次没解决",
            "h|{where}路边的雨水篦子被垃圾堵死了，麻烦疏通一下排水",
        ),
    ),
    "urban.waterlogging": (
        12,
        (
            "h|{road}积水很深，过不去了",
            "h|一下雨{where}就积水，水淹到膝盖",
            "h|暴雨过后{road}积水有膝盖深，车辆熄火，行人过不去，请尽快排涝",
            "h|{where}一下大雨就内涝，小区门口水淹到台阶，出不了门",
            "p|{road}低洼路段每次下雨都积水，几年了也没改造",
        ),
    ),
    "urban.greening": (
        12,
        (
            "h|{where}有棵树倒了，压在路边",
            "h|{where}树枝太长了，挡住窗户，请修剪",
            "h|台风过后{where}有棵大树倒伏在路上，挡住了车道，请派人清理",
            "h|{where}绿化带的树枝长得太茂盛，挡住了窗户和路灯，能不能修剪一下",
            "p|{where}的公园草坪被人占用种菜，绿化带破坏严重",
            "s|建议在{road}两边多种一些遮阴的树木，夏天太晒了",
        ),
    ),
    "urban.construction_site": (
        12,
        (
            "p|{where}工地半夜还在施工，吵得睡不着",
            "p|{road}工地扬尘太大了",
            "p|{where}旁边的工地晚上十一点了还在施工，打桩声吵得睡不着",
            "p|{road}工地的渣土车不盖篷布，一路撒土，扬尘很大",
            "p|{where}建筑工地围挡倒了一半，扬尘飘到小区里，窗户都不敢开",
        ),
    ),
    "urban.illegal_building": (
        12,
        (
            "r|{where}有住户在楼顶私搭乱建，加盖了一层铁皮房",
            "r|{where}一楼商户把门前的公共绿地围起来违章搭建了棚子",
            "p|{where}邻居封阳台往外扩了一米多，挡住了我家采光，属于违建吧",
        ),
    ),
    "urban.appearance": (
        16,
        (
            "p|{where}门口又有人摆摊占道经营",
            "p|{where}小广告贴得到处都是",
            "p|{where}门口每天傍晚都有流动摊贩占道经营，人行道走不通",
            "p|{road}沿街店铺乱堆乱放，货物摆到了马路上",
            "p|{where}墙上贴满了小广告，刚清理又贴上，影响市容",
            "h|{where}背后的巷子成了卫生死角，垃圾堆了好几天没人清理",
        ),
    ),
    "housing.property_management": (
        26,
        (
            "p|{where}物业不管事，楼道脏了也没人扫",
            "p|{where}电梯又停运了，物业也不修",
            "p|{where}的物业不作为，楼道灯坏了一个月不修，物业费却年年收",
            "p|{where}小区电梯停运{days}天了，物业说在等配件，老人上下楼很困难",
            "c|{where}小区想成立业委会，需要走什么程序，找哪个部门",
            "p|{where}物业擅自把小区公共车位出租给外面的人，业主没车位停",
        ),
    ),
    "housing.real_estate": (
        10,
        (
            "p|我在{where}买的楼盘开发商延期交房{days}个月了，也不给说法",
            "p|{where}的新房交房后发现墙体开裂、漏水，开发商一直推脱",
            "c|购房后开发商迟迟不给办理网签备案，这种情况该怎么办",
        ),
    ),
    "housing.affordable": (
        6,
        (
            "c|申请公租房需要哪些条件，在{where}工作没有本地户口可以申请吗",
            "c|人才房的申请结果什么时候公布，网上一直显示审核中",
            "p|{where}保障房小区有人把房子转租出去，这种情况有人管吗",
        ),
    ),
    "housing.registration": (
        6,
        (
            "c|二手房过户办理不动产登记需要带哪些材料，要多久能拿到房产证",
            "p|{where}小区交房三年了还办不了产权证，开发商说在等手续",
            "c|继承父母的房子怎么办理不动产登记，需要公证吗",
        ),
    ),
    "housing.provident_fund": (
        12,
        (
            "c|租房可以提取公积金吗，每个月能提多少，在网上怎么申请",
            "c|公积金贷款额度是怎么算的，夫妻双方都缴存可以多贷一些吗",
            "p|公司没有给我缴存公积金，我应该去哪里投诉",
            "c|离职后公积金账户怎么处理，可以一次性提取吗",
        ),
    ),
    "housing.renovation": (
        6,
        (
            "c|{where}是老旧小区，今年有没有列入改造计划",
            "s|{where}六层楼没有电梯，居民都同意加装电梯，希望政府给予补贴",
            "p|{where}老旧小区改造施工半年了还没完工，外立面脚手架一直搭着",
        ),
    ),
    "transport.taxi": (
        12,
        (
            "p|出租车司机拒载，不肯打表",
            "p|网约车司机绕路多收钱",
            "p|今天在{where}打车，出租车司机拒载，说不顺路",
            "p|网约车司机绕路，从{road}到火车站多收了{n}十块钱",
            "p|{road}出租车司机不打表，一口价要五十，请查处",
            "r|{where}附近有黑车长期揽客，请交通执法部门管一管",
        ),
    ),
    "transport.bus": (
        10,
        (
            "p|{n}路公交车甩站不停",
            "p|{n}路公交司机态度很差",
            "p|{n}路公交车在{road}站甩站，我在站台招手也不停",
            "p|{n}路公交司机开车很猛，急刹车把老人摔倒了，服务态度也差",
            "p|{n}路末班车提前发车，晚上九点在{road}等了四十分钟",
            "h|{road}的候车亭顶棚破了，下雨没地方躲",
        ),
    ),
    "transport.bus_route": (
        6,
        (
            "s|{where}新建小区住了几千户，附近没有公交线路，建议开通公交",
            "s|建议在{road}增设一个公交站点，现在两站之间距离太远",
            "s|{n}路公交线路调整后绕远了，希望恢复原来的线路",
        ),
    ),
    "transport.parking": (
        18,
        (
            "r|{where}门口有车乱停，堵住了消防通道",
            "r|有车违停在{where}，挡住出口了",
            "r|{where}门口有车辆长期违停，占用消防通道，救护车都进不来",
            "r|{road}两边乱停车，早晚高峰堵得一动不动",
            "p|有辆车堵在{where}车库门口，打电话也联系不上车主",
        ),
    ),
    "transport.traffic_signal": (
        10,
        (
            "h|{road}和{road2}交叉口的红绿灯坏了，一直闪黄灯，车辆乱成一团",
            "s|{where}学校门口的斑马线标线磨掉了，建议重新划线并加个信号灯",
            "p|{road}的信号灯绿灯时间太短，行人过马路走到一半就变红灯",
        ),
    ),
    "transport.bikeshare": (
        8,
        (
            "p|{where}门口共享单车乱停乱放，堆了几十辆，人行道都堵了",
            "p|共享电单车押金申请退还一个月了还没到账",
            "h|{road}地铁口的共享单车倒了一地，请运营公司来清理",
        ),
    ),
    "transport.ferry": (
        4,
        (
            "c|台风天{where}码头的轮渡还开吗，船票可以退吗",
            "p|轮渡码头排队买船票要一个多小时，窗口只开了一个",
            "s|建议港口轮渡增加晚上的班次，下班回家赶不上",
        ),
    ),
    "environment.air": (
        8,
        (
            "p|{where}附近每天晚上有股刺鼻的臭味，怀疑是工厂偷排废气",
            "r|{where}有人露天焚烧垃圾，黑烟滚滚，呛得人喘不过气",
            "p|{road}的搅拌站粉尘很大，周边居民窗台上全是灰",
        ),
    ),
    "environment.water": (
        6,
        (
            "r|{where}旁边的河水发黑发臭，怀疑有企业偷排污水",
            "r|{road}的养殖场把污水直排进河沟，鱼都死了",
            "p|{where}小河的排污口一直在排脏水，请环保部门查一查",
        ),
    ),
    "environment.industrial_noise": (
        5,
        (
            "p|{where}旁边工厂的机器噪声白天黑夜不停，严重影响休息",
            "p|{where}楼顶商场的冷却塔和风机噪音很大，晚上嗡嗡响",
        ),
    ),
    "environment.neighbourhood_noise": (
        22,
        (
            "p|{where}楼上装修太吵了，天天电钻响",
            "p|{where}广场舞太吵了，音响开得很大",
            "p|{where}广场舞音响声音太大，每天晚上跳到十点，孩子没法写作业",
            "p|{where}楼上邻居装修，周末早上七点就开始电钻，装修噪音受不了",
            "p|{where}楼下的夜宵店每天营业到凌晨三点，划拳喧哗噪音扰民",
            "p|{road}沿街商铺用喇叭循环播放促销广告，吵得人心烦",
        ),
    ),
    "environment.oil_fume": (
        10,
        (
            "p|{where}楼下烧烤店油烟太大，熏得受不了",
            "p|{where}餐馆油烟直排进我家",
            "p|{where}楼下的烧烤店油烟直排，熏得家里不敢开窗",
            "p|{where}一楼餐馆的排烟管道对着居民楼，油烟味很重",
            "p|{road}路边的烧烤摊每天晚上烟雾缭绕，整条街都是油烟",
        ),
    ),
    "environment.waste": (
        16,
        (
            "p|{where}垃圾好几天没人清运，臭死了",
            "p|{where}垃圾桶满了没人倒",
            "p|{where}的垃圾站清运不及时，垃圾堆满溢出来，苍蝇蚊子很多",
            "h|{where}的垃圾桶坏了好几个，垃圾只能扔在地上",
            "c|{where}开始垃圾分类了，厨余垃圾和其他垃圾怎么分，几点投放",
            "p|{road}的垃圾清运车每天凌晨作业，声音太大，还洒落垃圾",
        ),
    ),
    "labour.wages": (
        18,
        (
            "p|老板拖欠工资{n}个月了，一直不发",
            "p|干完活包工头不给工资，讨薪没人管",
            "p|我在{where}的工地干了{n}个月，包工头拖欠工资一直不给，农民工讨薪太难了",
            "p|{shop}拖欠我们{n}名员工两个月工资，老板电话也不接",
            "h|公司倒闭了，老板欠我们工资跑路了，去哪里讨薪",
        ),
    ),
    "labour.contract": (
        10,
        (
            "p|{shop}没签劳动合同就把我辞退了，也不给经济补偿",
            "c|公司要求每天加班却不给加班费，我可以申请劳动仲裁吗",
            "p|入职{n}个月了公司还不跟我签劳动合同，怎么维权",
        ),
    ),
    "labour.pension": (
        10,
        (
            "c|我明年就到退休年龄了，养老保险缴费年限不够怎么办",
            "c|从外省回来工作，社保转移要怎么办理，养老保险能接续吗",
            "c|退休后的养老金什么时候发放，怎么查每个月发了多少",
        ),
    ),
    "labour.employment": (
        8,
        (
            "c|失业了怎么申领失业金，需要准备哪些材料",
            "c|高校毕业生自主创业有没有创业补贴，怎么申请",
            "c|{where}附近有没有免费的技能培训，想学电工",
        ),
    ),
    "labour.talent": (
        5,
        (
            "c|人才引进落户需要什么条件，本科学历可以吗",
            "c|申请的人才补贴一直没发，进度在哪里查询",
            "c|职称评审今年什么时候开始报名",
        ),
    ),
    "labour.medical_insurance": (
        12,
        (
            "c|医保报销要带什么材料",
            "c|异地就医怎么备案",
            "c|在外地住院了，异地就医报销怎么办理备案",
            "c|新生儿怎么办理医保参保，出生多久内要办",
            "p|在{where}的医院看病，医保卡刷不了，说系统故障让自费",
            "c|医保卡丢了怎么补办，补办期间看病能报销吗",
        ),
    ),
    "education.enrolment": (
        10,
        (
            "c|孩子明年上小学，我们在{where}租房住，学位怎么申请，学区怎么划",
            "p|{where}的公办学校说学位满了不收，孩子只能去很远的学校",
            "c|孩子从外地转学回来，转学手续要怎么办",
        ),
    ),
    "education.fees": (
        5,
        (
            "p|{shop}学校强制学生买教辅资料和校服，属于乱收费吗",
            "p|{where}的幼儿园学费一学期涨了一千多，没有公示",
        ),
    ),
    "education.tutoring": (
        6,
        (
            "p|{shop}培训机构突然关门，交的{n}千元学费退费无门",
            "r|{where}有培训机构在周末偷偷开展学科培训补课",
        ),
    ),
    "education.teachers": (
        3,
        (
            "p|{where}的一位老师体罚学生，孩子回家手都是红的",
            "r|有老师在家里办班有偿补课，不去上课就给孩子脸色看",
        ),
    ),
    "education.culture_sports": (
        5,
        (
            "h|{where}健身器材坏了好几件，有安全隐患，请维修",
            "s|建议市图书馆延长晚上开放时间，上班族白天去不了",
            "c|{where}的体育馆对市民免费开放吗，要不要预约",
        ),
    ),
    "health.medical_service": (
        10,
        (
            "p|在{where}的医院挂号排了三个小时，医生看病两分钟就打发了，服务态度很差",
            "p|医院急诊科医生态度恶劣，病人疼得不行也不理",
            "c|市医院的专家号在网上怎么挂，总是挂不到",
        ),
    ),
    "health.disease_control": (
        6,
        (
            "c|孩子打疫苗要去哪个接种点，需要预约吗",
            "h|{where}附近积水多，蚊虫很多，担心登革热，能不能来消杀",
            "c|宫颈癌疫苗在哪里可以预约接种",
        ),
    ),
    "health.maternal": (
        5,
        (
            "c|孩子的出生证明丢了怎么补办",
            "c|生育登记在网上怎么办理，办完有什么用",
            "c|育儿补贴怎么申请，二胎可以领吗",
        ),
    ),
    "health.illegal_practice": (
        3,
        (
            "r|{where}有一家黑诊所无证行医，给人打吊针，很危险",
            "r|{road}有人在出租屋里非法行医，还卖自制药",
        ),
    ),
    "health.drugs": (
        4,
        (
            "p|在{shop}药店买的药品已经过期了，店员还不肯退",
            "r|{where}有人上门推销所谓的医疗器械，骗老人买",
        ),
    ),
    "market.food_safety": (
        12,
        (
            "p|在{shop}买的食品过期了",
            "p|外卖里吃出了异物",
            "p|在{shop}买的面包吃出了异物，里面有头发",
            "p|{where}超市卖过期食品，生产日期都被改过",
            "p|在{shop}吃完饭全家上吐下泻，怀疑食物中毒，食品卫生很差",
        ),
    ),
    "market.consumer": (
        16,
        (
            "p|买的东西有质量问题，商家不给退货",
            "p|在{shop}消费后要求退款，一直不退",
            "p|在{shop}买的冰箱用了{n}天就坏了，商家不给退货也不给换",
            "p|网上买的衣服有质量问题，申请退款商家一直拖",
            "p|{shop}装修公司收了定金不施工，要求退款不给退",
            "p|{shop}的手机售后说是人为损坏，拒绝保修",
        ),
    ),
    "market.price": (
        6,
        (
            "p|{where}的停车场乱收费，停半小时收二十元，没有明码标价",
            "p|台风前{shop}超市蔬菜哄抬价格，青菜卖到十几块一斤",
        ),
    ),
    "market.special_equipment": (
        8,
        (
            "h|{where}电梯困人了，快来救人",
            "p|{where}电梯老是故障",
            "h|{where}的电梯困人了，里面有老人，物业电话打不通",
            "p|{where}的电梯经常故障，一个月停了好几次，年检过期了吧",
            "r|{where}商场的扶梯异响，担心有安全问题",
        ),
    ),
    "market.licensing": (
        4,
        (
            "r|{where}有一家店没有营业执照，无照经营好几个月了",
            "c|开一家小吃店需要办哪些证，营业执照怎么办",
        ),
    ),
    "market.counterfeit": (
        4,
        (
            "p|在{where}菜市场买菜短斤少两，一斤少了二两",
            "r|{shop}在卖假冒名牌的运动鞋和山寨手机",
        ),
    ),
    "commerce.prepaid_card": (
        6,
        (
            "p|{shop}健身房老板跑路了，刚办的健身卡还有{n}千元没用",
            "p|{shop}美容院不给退卡，预付卡余额还有很多",
        ),
    ),
    "commerce.markets": (
        5,
        (
            "p|{where}农贸市场地面脏乱差，污水横流",
            "s|{where}附近没有菜市场，买菜要走很远，建议规划一个",
        ),
    ),
    "commerce.tourism": (
        5,
        (
            "p|跟旅行社报团来海滨旅游，导游强制购物，不买就甩脸色",
            "p|{where}景区门票说好含游船，进去了又要另外收费",
        ),
    ),
    "commerce.culture_market": (
        3,
        (
            "r|{where}的网吧让未成年人上网，经常有学生通宵",
            "p|{where}楼下酒吧KTV每晚唱到凌晨，音乐声很大",
        ),
    ),
    "safety.public_order": (
        8,
        (
            "r|{where}的出租屋里有人聚众赌博，经常半夜吵闹",
            "r|{road}最近电动车偷盗频发，希望加强巡逻",
            "p|{where}楼下每晚有人醉酒闹事，影响治安",
        ),
    ),
    "safety.fraud": (
        6,
        (
            "h|我在网上刷单被骗了{n}千元，对方已经把我拉黑了，怎么报案",
            "h|有人冒充客服说要退款，让我转账，我转了钱才发现被骗",
        ),
    ),
    "safety.household_registration": (
        8,
        (
            "c|身份证丢了在{where}怎么补办，可以异地办理吗",
            "c|孩子出生后怎么上户口，需要哪些材料",
            "c|居住证怎么办理，租房合同需要备案吗",
        ),
    ),
    "safety.dogs": (
        6,
        (
            "p|{where}遛狗不拴绳，吓到小孩",
            "h|{where}有流浪狗咬人",
            "p|{where}有人遛狗不拴绳，大狗追着小孩跑，很吓人",
            "h|{where}附近有好几条流浪狗，还咬伤过人",
        ),
    ),
    "safety.work_safety": (
        4,
        (
            "r|{where}有个小作坊违规作业，存放危险化学品，很不安全",
            "r|{road}的工厂工人不戴安全帽高空作业，安全隐患很大",
        ),
    ),
    "safety.fire_hazard": (
        8,
        (
            "r|{where}有人飞线给电动车充电",
            "r|{where}消防通道被杂物堵死了",
            "r|{where}有住户从楼上拉飞线给电动车充电，存在消防隐患",
            "r|{where}楼道堆满杂物，消防通道被堵，灭火器也过期了",
            "p|{where}的电动车都在楼道里充电，物业不管，很担心出事",
        ),
    ),
    "safety.disaster": (
        4,
        (
            "c|台风要来了，{where}附近的避难场所在哪里",
            "h|暴雨把{where}的挡土墙冲垮了，下面住着人，请尽快处置",
        ),
    ),
    "utilities.power": (
        26,
        (
            "h|{road}停电了，{hours}个小时还没来电",
            "h|{where}突然停电了，整栋楼都没电",
            "h|家里停电好久了，供电公司什么时候来修",
            "h|{road}一带突然停电了，家里冰箱里的东西都快坏了，什么时候来电",
            "h|{where}整栋楼断电{hours}个小时了，供电公司电话一直占线",
            "p|{where}最近电压不稳，天天跳闸，电器都烧坏了一个",
            "c|这个月电费比平时高了一倍，电表是不是有问题，怎么申请校验",
            "g|感谢供电公司的师傅，{where}停电后连夜抢修，凌晨就来电了",
        ),
    ),
    "utilities.water_supply": (
        24,
        (
            "h|{where}停水了，一直没来水",
            "h|{road}水管爆了，到处是水",
            "p|{where}水压太低，楼上没水",
            "h|{where}从早上开始停水，也没有提前通知，什么时候恢复供水",
            "h|{road}有水管爆管了，水哗哗往外冒，路面都淹了",
            "p|{where}自来水水压低，楼上根本没水用",
            "p|{where}的自来水水质发黄，有铁锈味，不敢喝",
        ),
    ),
    "utilities.gas": (
        10,
        (
            "h|{where}有燃气味，怕是漏气了",
            "c|燃气怎么开户，多久能通气",
            "h|{where}楼道里闻到燃气味，怀疑燃气管道漏气，请燃气公司马上来查",
            "c|新房开通天然气要怎么申请，多久能通气",
            "p|{where}停气两天了，燃气公司说在维修管网也不说什么时候好",
        ),
    ),
    "utilities.mobile": (
        8,
        (
            "p|{where}手机没信号",
            "p|话费被乱扣了",
            "p|{where}家里手机信号很差，打电话都断断续续，附近能不能加个基站",
            "p|手机套餐莫名其妙被扣费，多扣了{n}十元话费",
        ),
    ),
    "utilities.broadband": (
        8,
        (
            "p|宽带又断网了，报修没人来",
            "p|{where}网速太慢了",
            "p|{where}的宽带断网{days}天了，报修了一直没人上门",
            "p|办的千兆宽带网速只有几十兆，光纤师傅也说不清原因",
            "r|{where}楼外墙上宽带飞线乱拉，像蜘蛛网一样",
        ),
    ),
    "civil.social_assistance": (
        6,
        (
            "c|家里老人生病没有收入，想申请低保，需要什么条件",
            "h|我们家遇到大病，能不能申请临时救助或者困难补助",
        ),
    ),
    "civil.elderly": (
        6,
        (
            "c|八十岁以上老人的高龄津贴怎么申请，在{where}哪里办",
            "c|{where}附近有没有公办养老院，收费标准是多少",
            "s|建议在{where}多开几个社区食堂，方便居家养老的老年人吃饭",
        ),
    ),
    "civil.marriage": (
        3,
        (
            "c|结婚登记需要预约吗，要带哪些证件",
            "c|离婚登记有冷静期吗，要去几次民政局",
        ),
    ),
    "civil.funeral": (
        2,
        (
            "c|家里老人去世了，殡葬手续怎么办理，骨灰安放有什么规定",
            "p|公墓的墓地价格太高，管理费每年都涨",
        ),
    ),
    "civil.disability": (
        3,
        (
            "c|残疾证怎么办理，要去哪里做鉴定",
            "c|重度残疾人的护理补贴怎么申请",
        ),
    ),
    "civil.community_affairs": (
        8,
        (
            "c|居委会开证明要带什么",
            "h|邻居纠纷希望社区来调解",
            "c|在{where}居委会开居住证明需要什么材料",
            "h|{where}邻里纠纷闹了很久，楼上漏水到我家不肯修，希望社区调解",
            "s|希望{where}居委会多组织一些社区服务活动",
        ),
    ),
    "rural.subsidy": (
        3,
        (
            "c|今年的种粮补贴什么时候发，标准是多少",
            "c|买农机具有农机补贴吗，怎么申请",
        ),
    ),
    "rural.animal": (
        4,
        (
            "p|{where}村附近的猪场臭味很大，病死猪随便扔在沟里",
            "p|{where}有人在村里开养鸡场，苍蝇成群，污水横流",
        ),
    ),
    "rural.fishery": (
        3,
        (
            "r|休渔期{where}还有渔船出海捕捞",
            "r|{where}河道里有人电鱼，鱼虾都被电死了",
        ),
    ),
    "rural.farm_inputs": (
        2,
        (
            "p|在{shop}农资店买的种子发芽率很低，怀疑是假种子",
            "p|买的化肥用了没效果，农药包装上没有登记证号",
        ),
    ),
    "rural.village_affairs": (
        5,
        (
            "p|{where}村委会的村务不公开，集体收入去向不明",
            "h|{where}的村道坑洼不平，下雨泥泞，希望修一修",
            "c|{where}申请宅基地建房需要什么手续",
        ),
    ),
    "gov.efficiency": (
        6,
        (
            "p|在{where}办事大厅办证跑了三次还没办成，窗口工作人员互相推诿",
            "p|政务服务中心窗口工作人员服务态度差，问两句就不耐烦",
        ),
    ),
    "gov.business_environment": (
        4,
        (
            "c|开办企业在一网通办上要多久能审批下来",
            "p|企业的项目审批材料交了两个月还没有结果，影响营商环境",
        ),
    ),
    "gov.tax": (
        6,
        (
            "c|个税年度汇算怎么申请退税",
            "r|{shop}消费后不给开发票，说开发票要加钱",
        ),
    ),
    "gov.planning": (
        3,
        (
            "c|{where}附近那块空地规划用来建什么，有没有公示",
            "r|{where}海边有人违法占地建房，侵占海岸线",
        ),
    ),
}

#: Roads of each district (invented; the directory has no roads, see routing-platform.md).
ROADS: Final[dict[str, tuple[str, ...]]] = {
    "d-longwan": ("骑楼路", "博爱路", "钟楼街", "解放东路", "望海大道", "金湾路", "长堤路"),
    "d-binjiang": ("江东大道", "渡口路", "沙洲路", "渔港路", "滨江北路", "海渔街"),
    "d-donghai": ("椰风路", "海港大道", "灯塔路", "港湾路", "东海滨路"),
    "d-yelin": ("椰林大道", "西岭路", "石塔路", "椰海街"),
    "d-xincheng": ("科创大道", "学府路", "会展路", "大学城西路", "创业路"),
    "d-guixi": ("桂溪路", "凤翔路", "三江大道", "龙泉街", "美仁路"),
}
ESTATES: Final = ("椰林苑", "海景花园", "锦绣家园", "金色港湾", "翠苑", "阳光新城", "幸福里", "滨海名都")
SHOPS: Final = ("某超市", "一家商户", "某公司", "一家店铺", "某商家", "一家连锁店")
OPENERS: Final = ("", "", "", "您好，", "你好，", "我想反映一下，", "麻烦帮忙看一下，", "我是附近居民，")
CLOSERS: Final = (
    "",
    "",
    "请尽快处理。",
    "希望有关部门管一管。",
    "之前反映过一次，一直没有解决。",
    "谢谢。",
    "请给个答复。",
)
REPLIES: Final = (
    "已安排工作人员到现场核实处理，问题已解决，并已电话告知诉求人。",
    "经现场查看，已协调相关责任方整改完毕，诉求人表示认可。",
    "已联系诉求人说明情况，相关问题已按规定处理，后续将加强巡查。",
    "已到现场处置，并向诉求人解释了相关政策，诉求人表示理解。",
)
SEND_BACK_REASONS: Final = (
    "该事项不属于我单位职责，建议转相关部门办理。",
    "经核实，诉求地点不在我单位辖区，请重新派单。",
)
FOLLOW_UP_NOTES: Final = ("回访诉求人，已联系", "智能外呼回访", "短信回访", None)


def where(rng: random.Random, place: str, district: str) -> str:
    """A place as citizens say it: the community, a road and number, or an estate."""
    road = rng.choice(ROADS.get(district, ("中心路",)))
    forms = (
        f"{place}{road}{rng.randint(1, 200)}号",
        f"{place}{rng.choice(ESTATES)}",
        f"{road}{place}附近",
        f"{place}",
        f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋",
    )
    return rng.choice(forms)


def request_text(rng: random.Random, template: str, place: str, district: str) -> tuple[Kind, str]:
    """The kind and the words of one request from a template, filled in."""
    code, text = template.split("|", 1)
    roads = ROADS.get(district, ("中心路", "人民路"))
    filled = text.format(
        where=where(rng, place, district),
        road=rng.choice(roads),
        road2=rng.choice(roads),
        n=rng.randint(2, 9),
        hours=rng.randint(2, 12),
        days=rng.randint(2, 10),
        shop=rng.choice(SHOPS),
    )
    return KINDS[code], f"{rng.choice(OPENERS)}{filled}，{rng.choice(CLOSERS)}".rstrip("，")


BURSTS: Final = (
    ("utilities.power", ("{road}停电了，整条街都黑了", "我们{road}这边全停电了，什么时候能恢复",
                         "{road}附近大面积停电，空调冰箱全停了，老人受不了", "{road}又停电了，供电公司能不能给个说法")),
    ("utilities.water_supply", ("{road}水管爆了，水冒到路面上", "{road}附近突然停水，是不是爆管了",
                                "{road}路面一直往外涌水，家里也没水了")),
    ("urban.waterlogging", ("暴雨后{road}积水很深，车都泡在水里", "{road}内涝严重，公交车都过不去",
                            "{road}积水倒灌进商铺了，请赶快排涝")),
)  # fmt: skip

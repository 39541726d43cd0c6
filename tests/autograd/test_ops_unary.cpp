// More element-wise ops (ops_unary.cpp): values and gradients against PyTorch 1.13, gradchecks in float64 on
// contiguous and strided inputs (near kinks, on the right side of them), dtypes as PyTorch's, in-place forms
// and errors. The constants between the markers are the output of tests/autograd/ops_b_reference.py
// (python3-torch 1.13), pasted unchanged.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "helpers.hpp"

using xg::autograd::gradcheck;
using xg::autograd::gradgradcheck;
using Inputs = std::vector<xg::Tensor>;

namespace {
// ---- ops_b_reference.py output (begin)
// Unary maths, float64; gradients for upstream weights (i % 3) - 0.5 + 0.25 i
const std::vector<double> kX = {-2.5, -1.2, -0.3, 0.4, 0.9, 1.7, 2.5, 3.3};
const std::vector<double> kSinValues = {-0.5984721441039564, -0.9320390859672263, -0.29552020666133955, 0.3894183423086505, 0.7833269096274834, 0.9916648104524686, 0.5984721441039564, -0.1577456941432482};
const std::vector<double> kSinGrad = {0.40057180777346685, 0.2717683158575052, 1.910672978251212, 0.23026524850072128, 0.9324149524059966, -0.35432235931269274, -0.8011436155469337, -2.221829482294946};
const std::vector<double> kCosValues = {-0.8011436155469337, 0.3623577544766736, 0.955336489125606, 0.9210609940028851, 0.6216099682706644, -0.12884449429552464, -0.8011436155469337, -0.9874797699088649};
const std::vector<double> kCosGrad = {-0.2992360720519782, 0.6990293144754197, 0.5910404133226791, -0.09735458557716263, -1.1749903644412252, -2.7270782287442885, -0.5984721441039564, 0.3549278118223085};
const std::vector<double> kTanValues = {-2.5721516221263188, -0.30933624960962325, 0.4227932187381618, 1.2601582175503392, 3.6021024479679786};
const std::vector<double> kTanGrad = {-3.8079819836035265, 0.8217666864919103, 2.3575082116219503, 0.646999683314912, 20.962713068485357};
const std::vector<double> kAtanValues = {-1.1902899496825317, -0.8760580505981934, -0.2914567944778671, 0.3805063771123649, 0.7328151017865066, 1.039072259536091, 1.1902899496825317, 1.2765617616837088};
const std::vector<double> kAtanGrad = {-0.06896551724137931, 0.3073770491803279, 1.8348623853211008, 0.21551724137931033, 0.8287292817679558, 0.7069408740359898, 0.13793103448275862, 0.18923465096719935};
const std::vector<double> kLog1pValues = {-0.6931471805599453, -0.22314355131420976, 0.26236426446749106, 0.9162907318741551, 1.6094379124341003};
const std::vector<double> kLog1pGrad = {-1.0, 0.9375, 1.5384615384615383, 0.1, 0.3};
const std::vector<double> kExpm1Values = {-0.9179150013761012, -0.6988057880877979, -0.2591817793182821, 0.49182469764127035, 1.4596031111569496, 4.4739473917272, 11.182493960703473, 26.112638920657883};
const std::vector<double> kExpm1Grad = {-0.04104249931194942, 0.22589565893415156, 1.4816364413634358, 0.3729561744103176, 3.6894046667354248, 15.0533553272498, 12.182493960703473, 61.003437571480234};
const std::vector<double> kLog2Values = {-1.7369655941662063, -0.3219280948873623, 0.5849625007211562, 1.1375035237499351, 2.0, 2.9068905956085187};
const std::vector<double> kLog2Grad = {-2.404491734814939, 1.3525266008334034, 1.9235933878519513, 0.16394261828283677, 0.5410106403333613, 0.5289881816592866};
const std::vector<double> kLog10Values = {-0.5228787452803376, -0.09691001300805639, 0.17609125905568124, 0.3424226808222063, 0.6020599913279624, 0.8750612633917001};
const std::vector<double> kLog10Grad = {-0.7238241365054198, 0.4071510767842986, 0.5790593092043358, 0.04935164567082407, 0.16286043071371945, 0.15924131003119235};
const std::vector<double> kRsqrtValues = {1.8257418583505538, 1.118033988749895, 0.8164965809277261, 0.674199862463242, 0.5, 0.3651483716701107};
const std::vector<double> kRsqrtGrad = {1.5214515486254616, -0.5240784322265133, -0.5443310539518176, -0.03830681036722965, -0.09375, -0.06694386813952029};
const std::vector<double> kSquareValues = {6.25, 1.44, 0.09, 0.16000000000000003, 0.81, 2.8899999999999997, 6.25, 10.889999999999999};
const std::vector<double> kSquareGrad = {2.5, -1.7999999999999998, -1.2, 0.2, 2.7, 9.35, 5.0, 14.85};
const std::vector<double> kFracValues = {-0.5, -0.19999999999999996, -0.3, 0.4, 0.9, 0.7, 0.5, 0.2999999999999998};
const std::vector<double> kFracGrad = {-0.5, 0.75, 2.0, 0.25, 1.5, 2.75, 1.0, 2.25};
const std::vector<double> kReciprocalValues = {-0.4, -0.8333333333333334, -3.3333333333333335, 2.5, 1.1111111111111112, 0.5882352941176471, 0.4, 0.30303030303030304};
const std::vector<double> kReciprocalGrad = {0.08000000000000002, -0.5208333333333334, -22.222222222222225, -1.5625, -1.851851851851852, -0.9515570934256056, -0.16000000000000003, -0.2066115702479339};
const std::vector<double> kSignValues = {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
const std::vector<double> kSignGrad = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kFloorValues = {-3.0, -2.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0};
const std::vector<double> kFloorGrad = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kCeilValues = {-2.0, -1.0, -0.0, 1.0, 1.0, 2.0, 3.0, 4.0};
const std::vector<double> kCeilGrad = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kRoundValues = {-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 3.0, -3.0, 0.0, -0.0};
const std::vector<double> kRoundGrad = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kTruncValues = {-2.0, -1.0, -0.0, 0.0, 0.0, 1.0, 2.0, 3.0};
const std::vector<double> kTruncGrad = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kSiluValues = {-0.18964545005310887, -0.2777702598011788, -0.1276672449565023, 0.23947506404498084, 0.6398545523625035, 1.437409049357991, 2.3103545499468914, 3.1826150754003004};
const std::vector<double> kSiluGrad = {0.04970055567076342, 0.013501415793611643, 0.7044399793622346, 0.17369798960226593, 1.3438496688495614, 2.9358023880873017, 1.0994011113415267, 2.424685981401839};
const std::vector<double> kMishValues = {-0.19681620390653332, -0.3088357963148626, -0.15113317713833455, 0.2890305340723632, 0.7612059289525154, 1.6207680739755406, 2.471392304557881, 3.291659510559196};
const std::vector<double> kMishGrad = {0.05487178637509284, -0.0015065710451467739, 0.8170217538714043, 0.20925437563544907, 1.5418773007976285, 2.981707618848922, 1.041129530131353, 2.2804646973558693};
const std::vector<double> kSoftplusValues = {0.07888973429254963, 0.26328246733803123, 0.5543552444685271, 0.9130152523999526, 1.2411538747320878, 1.8677860293862658, 2.5788897342925496, 3.336219258870659};
const std::vector<double> kSoftplusGrad = {-0.03792909001062178, 0.17360641237573676, 0.851114966376682, 0.149671915028113, 1.066424253937506, 2.3252205210202797, 0.9241418199787564, 2.1699648241365685};
const std::vector<double> kSoftplus2Values = {0.003357674244559034, 0.04341807607697484, 0.21874397524294284, 0.5855503329738889, 0.976488805263037, 1.7, 2.5, 3.3};
const std::vector<double> kSoftplus2Grad = {-0.003346425462142428, 0.06237952237044179, 0.7086873875484091, 0.17249362028190313, 1.2872234026492684, 2.75, 1.0, 2.25};
const std::vector<double> kEluValues = {-0.6425405009632708, -0.48916405166145843, -0.1814272455227975, 0.4, 0.9, 1.7, 2.5, 3.3};
const std::vector<double> kEluGrad = {-0.02872974951836458, 0.1581269612539061, 1.037145508954405, 0.25, 1.5, 2.75, 1.0, 2.25};
const std::vector<double> kEluScaledValues = {-0.7868448922546823, -0.561567473762648, -0.19416864642943632, 0.52, 1.1700000000000002, 2.21, 3.25, 4.29};
const std::vector<double> kEluScaledGrad = {-0.049262043098127026, 0.20905951574241116, 1.1453301657129018, 0.325, 1.9500000000000002, 3.575, 1.3, 2.9250000000000003};
const std::vector<double> kSeluValues = {-1.6137857588732423, -1.228569995417489, -0.45566731537912203, 0.4202803949421922, 0.9456308886199324, 1.7861916785043168, 2.626752468388701, 3.4673132582730855};
const std::vector<double> kSeluGrad = {-0.07215679098706715, 0.39714700907241574, 2.6048640509365093, 0.2626752468388701, 1.5760514810332207, 2.8894277152275714, 1.0507009873554805, 2.364077221549831};
const std::vector<double> kHardtanhValues = {-1.0, -1.0, -0.3, 0.4, 0.9, 1.7, 2.0, 2.0, -1.0, 2.0};
const std::vector<double> kHardtanhGrad = {0.0, 0.0, 2.0, 0.25, 1.5, 2.75, 0.0, 0.0, 0.0, 0.0};
const std::vector<double> kRoundInput = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -2.6, 0.49999999999999994, -0.0};
const std::vector<double> kHardtanhInput = {-2.5, -1.2, -0.3, 0.4, 0.9, 1.7, 2.5, 3.3, -1.0, 2.0};
const std::vector<double> kRoundDecimalsInput = {1.2345, -1.2355, 1234.5678, 0.125, 2.675, -0.0};
const std::vector<double> kRoundDecimals2 = {1.23, -1.24, 1234.57, 0.12, 2.68, -0.0};
const std::vector<double> kRoundDecimalsMinus2 = {0.0, -0.0, 1200.0, 0.0, 0.0, -0.0};
const std::vector<double> kRoundDecimals2Float = {1.2300000190734863, -1.2400000095367432, 1234.5699462890625, 0.11999999731779099, 2.680000066757202, -0.0};
// float32, 40 elements (xtensor's SIMD path): linspace(0.05, 3.95, 40)
const std::vector<double> kX40 = {0.05000000074505806, 0.15000000596046448, 0.25, 0.3500000238418579, 0.45000001788139343, 0.550000011920929, 0.6500000357627869, 0.75, 0.8500000238418579, 0.9500000476837158, 1.0500000715255737, 1.1500000953674316, 1.25, 1.350000023841858, 1.4500000476837158, 1.5499999523162842, 1.649999976158142, 1.75, 1.850000023841858, 1.9500000476837158, 2.049999952316284, 2.1500000953674316, 2.25, 2.3499999046325684, 2.450000047683716, 2.549999952316284, 2.6500000953674316, 2.75, 2.8500001430511475, 2.950000047683716, 3.0500001907348633, 3.1500000953674316, 3.25, 3.3500001430511475, 3.450000047683716, 3.549999952316284, 3.6500000953674316, 3.75, 3.8500001430511475, 3.950000047683716};
const std::vector<double> kSin40 = {0.04997916892170906, 0.14943814277648926, 0.24740396440029144, 0.34289783239364624, 0.4349655508995056, 0.5226872563362122, 0.6051864624023438, 0.681638777256012, 0.7512804269790649, 0.81341552734375, 0.8674232363700867, 0.9127640128135681, 0.9489846229553223, 0.975723385810852, 0.9927129745483398, 0.9997837543487549, 0.9968650341033936, 0.983985960483551, 0.9612752199172974, 0.9289597272872925, 0.8873624205589294, 0.8368987441062927, 0.7780731916427612, 0.7114734053611755, 0.6377646923065186, 0.5576837658882141, 0.4720304608345032, 0.38166099786758423, 0.28747788071632385, 0.19042259454727173, 0.09146445244550705, -0.008407343178987503, -0.10819513350725174, -0.20690211653709412, -0.3035415709018707, -0.39714813232421875, -0.48678672313690186, -0.571561336517334, -0.6506252288818359, -0.7231881618499756};
const std::vector<double> kTan40 = {0.05004170909523964, 0.15113522112369537, 0.25534191727638245, 0.3650285303592682, 0.48305508494377136, 0.6131052374839783, 0.7602044939994812, 0.9315964579582214, 1.138332724571228, 1.3983826637268066, 1.743315577507019, 2.234497547149658, 3.0095696449279785, 4.455222129821777, 8.238096237182617, 48.078372955322266, -12.599268913269043, -5.520380020141602, -3.4880592823028564, -2.509474992752075, -1.9245609045028687, -1.5289794206619263, -1.238627552986145, -1.012466549873352, -0.8280171155929565, -0.6718648076057434, -0.5354355573654175, -0.4129179120063782, -0.3001479506492615, -0.19397185742855072, -0.09184945374727249, 0.008407640270888805, 0.10883402824401855, 0.21147814393043518, 0.31857237219810486, 0.4327389597892761, 0.5572697520256042, 0.6965508460998535, 0.8567634224891663, 1.047110676765442};
const std::vector<double> kAtan40 = {0.04995839670300484, 0.14888995885849, 0.244978666305542, 0.33667483925819397, 0.422853946685791, 0.5028432011604309, 0.5763752460479736, 0.6435011029243469, 0.704494059085846, 0.7597627639770508, 0.8097836375236511, 0.8550527691841125, 0.8960554003715515, 0.9332475662231445, 0.9670469760894775, 0.9978301525115967, 1.0259324312210083, 1.0516501665115356, 1.075244665145874, 1.09694504737854, 1.1169523000717163, 1.135443091392517, 1.1525720357894897, 1.1684752702713013, 1.1832724809646606, 1.197069525718689, 1.2099595069885254, 1.2220252752304077, 1.2333402633666992, 1.2439696788787842, 1.253971815109253, 1.2633988857269287, 1.2722973823547363, 1.2807093858718872, 1.2886725664138794, 1.2962210178375244, 1.3033854961395264, 1.3101938962936401, 1.31667160987854, 1.3228415250778198};
const std::vector<double> kLog1p40 = {0.04879016429185867, 0.13976195454597473, 0.2231435477733612, 0.30010461807250977, 0.371563583612442, 0.4382549524307251, 0.5007753372192383, 0.5596157908439636, 0.6151856780052185, 0.6678293943405151, 0.7178398370742798, 0.7654678821563721, 0.8109301924705505, 0.8544153571128845, 0.8960880637168884, 0.9360933303833008, 0.9745596051216125, 1.0116009712219238, 1.0473190546035767, 1.0818052291870117, 1.1151416301727295, 1.1474025249481201, 1.1786550283432007, 1.2089602947235107, 1.2383742332458496, 1.266947627067566, 1.2947272062301636, 1.3217558860778809, 1.3480732440948486, 1.3737156391143799, 1.398716926574707, 1.4231083393096924, 1.4469189643859863, 1.470175862312317, 1.4929040670394897, 1.515127182006836, 1.5368672609329224, 1.5581445693969727, 1.5789787769317627, 1.5993876457214355};
const std::vector<double> kExpm140 = {0.051271095871925354, 0.161834254860878, 0.2840254306793213, 0.4190675914287567, 0.5683122277259827, 0.7332530617713928, 0.915540874004364, 1.1169999837875366, 1.3396469354629517, 1.585709810256958, 1.8576513528823853, 2.1581931114196777, 2.490342855453491, 2.8574256896972656, 3.2631146907806396, 3.711469888687134, 4.206979751586914, 4.754602909088135, 5.3598198890686035, 6.028687953948975, 6.7679009437561035, 7.584859371185303, 8.487735748291016, 9.48556900024414, 10.588347434997559, 11.807103157043457, 13.154040336608887, 14.642631530761719, 16.287784576416016, 18.105955123901367, 20.11534881591797, 22.33606719970703, 24.790340423583984, 27.502737045288086, 30.50039291381836, 33.813316345214844, 37.47467041015625, 41.52108383178711, 45.99306869506836, 50.935367584228516};
const std::vector<double> kLog240 = {-4.321928024291992, -2.7369654178619385, -2.0, -1.514573097229004, -1.1520030498504639, -0.8624964356422424, -0.6214882731437683, -0.41503751277923584, -0.23446521162986755, -0.07400050759315491, 0.07038942724466324, 0.2016339749097824, 0.32192808389663696, 0.4329594373703003, 0.536052942276001, 0.6322681903839111, 0.722465991973877, 0.8073549270629883, 0.8875252604484558, 0.9634741544723511, 1.0356239080429077, 1.1043367385864258, 1.1699249744415283, 1.2326606512069702, 1.2927818298339844, 1.3504972457885742, 1.4059923887252808, 1.4594316482543945, 1.5109620094299316, 1.5607149600982666, 1.6088093519210815, 1.6553518772125244, 1.700439691543579, 1.7441611289978027, 1.786596417427063, 1.8278189897537231, 1.867896556854248, 1.906890630722046, 1.9448585510253906, 1.981852650642395};
const std::vector<double> kLog1040 = {-1.3010300397872925, -0.8239087462425232, -0.6020600199699402, -0.4559319317340851, -0.3467874825000763, -0.2596372961997986, -0.18708662688732147, -0.1249387338757515, -0.07058106362819672, -0.022276373580098152, 0.021189328283071518, 0.060697875916957855, 0.0969100147485733, 0.1303337812423706, 0.1613680124282837, 0.19033168256282806, 0.21748393774032593, 0.24303804337978363, 0.2671717405319214, 0.29003462195396423, 0.3117538392543793, 0.33243846893310547, 0.3521825075149536, 0.3710678517818451, 0.38916608691215515, 0.406540185213089, 0.4232458770275116, 0.4393326938152313, 0.4548448920249939, 0.4698220193386078, 0.4842998683452606, 0.49831056594848633, 0.5118833780288696, 0.5250447988510132, 0.5378190875053406, 0.5502283573150635, 0.5622928738594055, 0.5740312933921814, 0.5854607224464417, 0.5965970754623413};
const std::vector<double> kRsqrt40 = {4.4721360206604, 2.58198881149292, 2.0, 1.6903084516525269, 1.4907119274139404, 1.3483996391296387, 1.2403473854064941, 1.154700517654419, 1.084652304649353, 1.0259783267974854, 0.9758999943733215, 0.9325047731399536, 0.8944271802902222, 0.8606629371643066, 0.8304547667503357, 0.8032193183898926, 0.7784989476203918, 0.7559289932250977, 0.7352145910263062, 0.7161148190498352, 0.6984302997589111, 0.6819943189620972, 0.6666666865348816, 0.6523280739784241, 0.6388765573501587, 0.6262242794036865, 0.6142950654029846, 0.6030226945877075, 0.5923488736152649, 0.5822224617004395, 0.5725982785224915, 0.5634361505508423, 0.5547001957893372, 0.5463583469390869, 0.5383818745613098, 0.5307449102401733, 0.5234239101409912, 0.5163977742195129, 0.5096471905708313, 0.5031545758247375};
const std::vector<double> kReciprocal40 = {20.0, 6.666666507720947, 4.0, 2.857142686843872, 2.222222089767456, 1.8181817531585693, 1.538461446762085, 1.3333333730697632, 1.1764705181121826, 1.0526314973831177, 0.952380895614624, 0.8695651292800903, 0.800000011920929, 0.7407407164573669, 0.6896551251411438, 0.6451613306999207, 0.6060606241226196, 0.5714285969734192, 0.5405405163764954, 0.5128204822540283, 0.4878048896789551, 0.4651162624359131, 0.4444444477558136, 0.42553192377090454, 0.40816324949264526, 0.3921568691730499, 0.37735846638679504, 0.3636363744735718, 0.35087716579437256, 0.33898305892944336, 0.32786881923675537, 0.317460298538208, 0.3076923191547394, 0.2985074520111084, 0.28985506296157837, 0.28169015049934387, 0.27397260069847107, 0.2666666805744171, 0.25974026322364807, 0.2531645596027374};
const std::vector<double> kSilu40 = {0.025624869391322136, 0.08061447739601135, 0.140544131398201, 0.20531617105007172, 0.27478766441345215, 0.34877458214759827, 0.42705684900283813, 0.509384036064148, 0.5954821109771729, 0.6850594282150269, 0.777813732624054, 0.8734375834465027, 0.9716248512268066, 1.0720750093460083, 1.1744978427886963, 1.2786163091659546, 1.3841701745986938, 1.4909173250198364, 1.598635196685791, 1.7071210145950317, 1.8161925077438354, 1.9256879091262817, 2.035463571548462, 2.145395278930664, 2.255375623703003, 2.3653125762939453, 2.4751293659210205, 2.584761619567871, 2.6941585540771484, 2.8032774925231934, 2.9120869636535645, 3.0205624103546143, 3.1286873817443848, 3.2364513874053955, 3.3438472747802734, 3.4508748054504395, 3.5575358867645264, 3.663834810256958, 3.769780397415161, 3.875380754470825};
const std::vector<double> kMish40 = {0.030797714367508888, 0.09712284803390503, 0.16957241296768188, 0.24783840775489807, 0.331520140171051, 0.42014017701148987, 0.5131633877754211, 0.6100183129310608, 0.7101196646690369, 0.8128883242607117, 0.9177705645561218, 1.02425217628479, 1.1318702697753906, 1.2402197122573853, 1.3489561080932617, 1.4577953815460205, 1.566511869430542, 1.6749324798583984, 1.7829309701919556, 1.8904215097427368, 1.9973522424697876, 2.103698492050171, 2.2094569206237793, 2.3146398067474365, 2.4192726612091064, 2.5233869552612305, 2.627021074295044, 2.7302143573760986, 2.8330078125, 2.935441255569458, 3.037553548812866, 3.13938045501709, 3.2409563064575195, 3.342311382293701, 3.4434738159179688, 3.544468641281128, 3.6453182697296143, 3.746042490005493, 3.846658706665039, 3.9471819400787354};
const std::vector<double> kFrac40 = {0.05000000074505806, 0.15000000596046448, 0.25, 0.3500000238418579, 0.45000001788139343, 0.550000011920929, 0.6500000357627869, 0.75, 0.8500000238418579, 0.9500000476837158, 0.05000007152557373, 0.15000009536743164, 0.25, 0.3500000238418579, 0.4500000476837158, 0.5499999523162842, 0.6499999761581421, 0.75, 0.8500000238418579, 0.9500000476837158, 0.04999995231628418, 0.15000009536743164, 0.25, 0.34999990463256836, 0.4500000476837158, 0.5499999523162842, 0.6500000953674316, 0.75, 0.8500001430511475, 0.9500000476837158, 0.05000019073486328, 0.15000009536743164, 0.25, 0.35000014305114746, 0.4500000476837158, 0.5499999523162842, 0.6500000953674316, 0.75, 0.8500001430511475, 0.9500000476837158};
const std::vector<double> kRound340 = {0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 5.0, 5.0, 5.0, 6.0, 6.0, 6.0, 6.0, 7.0, 7.0, 7.0, 8.0, 8.0, 8.0, 9.0, 9.0, 9.0, 9.0, 10.0, 10.0, 10.0, 11.0, 11.0, 11.0, 12.0, 12.0};
const std::vector<double> kSoftplus40 = {0.7184596657752991, 0.7709570527076721, 0.825939416885376, 0.8833822011947632, 0.9432489275932312, 1.0054924488067627, 1.070055365562439, 1.1368709802627563, 1.2058650255203247, 1.2769564390182495, 1.3500585556030273, 1.42508065700531, 1.5019291639328003, 1.5805085897445679, 1.660723090171814, 1.742476463317871, 1.8256744146347046, 1.9102240800857544, 1.9960353374481201, 2.0830211639404297, 2.17109751701355, 2.2601847648620605, 2.3502066135406494, 2.441091299057007, 2.532771587371826, 2.62518310546875, 2.7182672023773193, 2.811967611312866, 2.906233310699463, 3.001016139984131, 3.0962719917297363, 3.1919593811035156, 3.288041353225708, 3.3844830989837646, 3.4812521934509277, 3.578319787979126, 3.6756591796875, 3.7732455730438232, 3.87105655670166, 3.969071626663208};
const std::vector<double> kElu40 = {-0.8577259182929993, -0.84276282787323, -0.8262260556221008, -0.8079500794410706, -0.7877520322799683, -0.7654297351837158, -0.7407597303390503, -0.7134951949119568, -0.6833631992340088, -0.6500622034072876, -0.613258957862854, -0.5725849866867065, -0.5276334285736084, -0.4779542088508606, -0.4230501651763916, -0.36237186193466187, -0.29531192779541016, -0.22119921445846558, -0.13929200172424316, -0.04877054691314697, 0.04999995231628418, 0.15000009536743164, 0.25, 0.34999990463256836, 0.4500000476837158, 0.5499999523162842, 0.6500000953674316, 0.75, 0.8500001430511475, 0.9500000476837158, 1.0500001907348633, 1.1500000953674316, 1.25, 1.3500001430511475, 1.4500000476837158, 1.5499999523162842, 1.6500000953674316, 1.75, 1.8500001430511475, 1.9500000476837158};
// maximum / minimum: ties share the gradient, NaN propagates and takes all of it
const std::vector<double> kMaximumValues = {1.0, 3.0, 3.0, NAN, NAN, -1.0};
const std::vector<double> kMaximumGradA = {-0.25, 0.0, 2.0, 0.25, 1.5, 1.375};
const std::vector<double> kMaximumGradB = {-0.25, 0.75, 0.0, 0.25, 1.5, 1.375};
const std::vector<double> kMaximumBroadcastValues = {2.0, 5.0, 2.0, 3.0, 1.0, 2.0};
const std::vector<double> kMaximumBroadcastGradA = {0.0, 0.75, 1.0, 0.25, 0.0, 1.375};
const std::vector<double> kMaximumBroadcastGradB = {-0.5, 1.5, 2.375};
const std::vector<double> kMinimumValues = {1.0, 2.0, 2.0, NAN, NAN, -1.0};
const std::vector<double> kMinimumGradA = {-0.25, 0.75, 0.0, 0.25, 1.5, 1.375};
const std::vector<double> kMinimumGradB = {-0.25, 0.0, 2.0, 0.25, 1.5, 1.375};
const std::vector<double> kMinimumBroadcastValues = {1.0, 1.0, 2.0, 2.0, 0.0, 2.0};
const std::vector<double> kMinimumBroadcastGradA = {-0.5, 0.0, 1.0, 0.0, 1.5, 1.375};
const std::vector<double> kMinimumBroadcastGradB = {0.25, 0.75, 2.375};
// clamp_min / clamp_max at 0.4 (an element equals it: gradient passes there)
const std::vector<double> kClampMinValues = {0.4, 0.4, 0.4, 0.4, 0.9, 1.7, 2.5, 3.3};
const std::vector<double> kClampMinGrad = {0.0, 0.0, 0.0, 0.25, 1.5, 2.75, 1.0, 2.25};
const std::vector<double> kClampMaxValues = {-2.5, -1.2, -0.3, 0.4, 0.4, 0.4, 0.4, 0.4};
const std::vector<double> kClampMaxGrad = {-0.5, 0.75, 2.0, 0.25, 0.0, 0.0, 0.0, 0.0};
// lerp
const std::vector<double> kLerp03Values = {2.2, -0.3999999999999999, -1.1102230246251565e-16, 5.2};
const std::vector<double> kLerp03GradSelf = {-0.35, 0.5249999999999999, 1.4, 0.175};
const std::vector<double> kLerp03GradEnd = {-0.15, 0.22499999999999998, 0.6, 0.075};
const std::vector<double> kLerp08Values = {4.2, -4.4, 5.0, 7.2};
const std::vector<double> kLerp08GradSelf = {-0.09999999999999998, 0.14999999999999997, 0.3999999999999999, 0.04999999999999999};
const std::vector<double> kLerp08GradEnd = {-0.4, 0.6000000000000001, 1.6, 0.2};
const std::vector<double> kLerpTensorValues = {1.4, -2.0, 6.0, 8.8, 0.95, 1.75, -2.55, 3.4};
const std::vector<double> kLerpTensorGradSelf = {0.9000000000000001, 1.75, 0.29999999999999993, -0.4999999999999999};
const std::vector<double> kLerpTensorGradEnd = {-0.05, 0.375, 1.8, 0.3, 0.15000000000000002, 1.375, 0.9, 2.6999999999999997};
const std::vector<double> kLerpTensorGradWeight = {-2.75, -7.375, 20.5, -0.125};
// addcmul / addcdiv: self [3], tensor1 [2, 1], tensor2 [2, 3], value 0.5
const std::vector<double> kAddcmulValues = {2.5, -2.75, 3.375, 0.0, -2.0625, 3.75};
const std::vector<double> kAddcmulGradSelf = {-0.25, 2.25, 4.75};
const std::vector<double> kAddcmulGradT1 = {-0.375, -3.4375};
const std::vector<double> kAddcmulGradT2 = {-0.375, 0.5625, 1.5, -0.0625, -0.375, -0.6875};
const std::vector<double> kAddcdivValues = {1.375, -2.75, 4.5, 0.9375, -3.0, 3.0833333333333335};
const std::vector<double> kAddcdivGradSelf = {-0.25, 2.25, 4.75};
const std::vector<double> kAddcdivGradT1 = {1.5, 2.5729166666666665};
const std::vector<double> kAddcdivGradT2 = {0.09375, -0.5625, -6.0, 0.00390625, 6.0, 0.07638888888888888};
// integer addcmul with value 0.5 (the value is cast to int64 first):  [1, 2] [31, 50]
// remainder / fmod, float64; the divisor's gradient is -floor_divide(a, b) (1.0 / 0.1 gives 9) or -trunc(a / b)
const std::vector<double> kModA = {5.5, -5.5, 5.5, -5.5, 1.0, 0.3, -0.0, 7.0, 1.0, -1.0};
const std::vector<double> kModB = {2.0, 2.0, -2.0, -2.0, 0.1, 0.1, 3.0, 3.5, INFINITY, INFINITY};
const std::vector<double> kRemainderValues = {1.5, 0.5, -0.5, -1.5, 0.09999999999999995, 0.09999999999999998, -0.0, 0.0, 1.0, INFINITY};
const std::vector<double> kRemainderGradA = {-0.5, 0.75, 2.0, 0.25, 1.5, 2.75, 1.0, 2.25};
const std::vector<double> kRemainderGradB = {1.0, 2.25, 6.0, -0.5, -13.5, -5.5, 0.0, -4.5};
const std::vector<double> kFmodValues = {1.5, -1.5, 1.5, -1.5, 0.09999999999999995, 0.09999999999999998, -0.0, 0.0, 1.0, -1.0};
const std::vector<double> kFmodGradA = {-0.5, 0.75, 2.0, 0.25, 1.5, 2.75, 1.0, 2.25};
const std::vector<double> kFmodGradB = {1.0, 1.5, 4.0, -0.5, -15.0, -5.5, 0.0, -4.5};
const std::vector<double> kRemainderInt = {1.0, 2.0, -2.0, -1.0, 0.0, 0.0, 1.0};
const std::vector<double> kFmodInt = {1.0, -1.0, 1.0, -1.0, 0.0, 0.0, -1.0};
const std::vector<double> kRemainderIntScalar = {2.0, 0.5, 0.0, -0.0};
const std::vector<double> kFmodIntScalar = {-1.0, 1.0, 1.0, -1.0};
// ---- ops_b_reference.py output (end)

// Compares with PyTorch: NaN where it has NaN, infinities exactly, the sign of zeros, and the rest within
// atol + rtol |expected|.
void check_torch(const xg::Tensor& t, const std::vector<double>& expected, double rtol = 1e-12, double atol = 1e-14) {
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CAPTURE(got[i]);
    CAPTURE(expected[i]);
    if (std::isnan(expected[i])) {
      CHECK(std::isnan(got[i]));
    } else if (std::isinf(expected[i]) || expected[i] == 0) {
      CHECK(got[i] == expected[i]);
      CHECK(std::signbit(got[i]) == std::signbit(expected[i]));
    } else {
      CHECK(std::abs(got[i] - expected[i]) <= atol + rtol * std::abs(expected[i]));
    }
  }
}

// The upstream gradient the reference script uses: (i % 3) - 0.5 + 0.25 i.
xg::Tensor upstream(const xg::Shape& shape) {
  const int64_t n = xg::zeros(shape).numel();
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i) values.push_back(static_cast<double>(i % 3) - 0.5 + 0.25 * static_cast<double>(i));
  return xg::tensor(values, shape, xg::dtype(xg::kFloat64));
}

xg::Tensor leaf(const std::vector<double>& values, xg::Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  return xg::tensor(values, shape, f64());
}

using Unary = std::function<xg::Tensor(const xg::Tensor&)>;

// gradcheck (and gradgradcheck when `twice`) of `fn` at `values` (6 of them): on a contiguous [2, 3] tensor,
// through a transpose, a step-2 slice and an expansion.
void gradcheck_unary(const Unary& fn, const std::vector<double>& values, bool twice = true) {
  REQUIRE(values.size() == 6);
  xg::Tensor x = leaf(values, {2, 3});
  CHECK(gradcheck([&](const Inputs& in) { return fn(in[0]); }, {x}));
  if (twice) CHECK(gradgradcheck([&](const Inputs& in) { return fn(in[0]); }, {x}));
  xg::Tensor transposed = leaf({values[0], values[3], values[1], values[4], values[2], values[5]}, {3, 2});
  CHECK(gradcheck([&](const Inputs& in) { return fn(in[0].t()); }, {transposed}));
  std::vector<double> doubled;
  for (double v : values) doubled.insert(doubled.end(), {v, v + 0.5});
  xg::Tensor wide = leaf(doubled, {2, 6});
  CHECK(gradcheck([&](const Inputs& in) { return fn(in[0].slice(1, 0, 6, 2)); }, {wide}));
  xg::Tensor row = leaf({values[0], values[1], values[2]}, {1, 3});
  CHECK(gradcheck([&](const Inputs& in) { return fn(in[0].expand({4, 3})); }, {row}));
}

struct Case {
  const char* name;
  Unary fn;
  const std::vector<double>& input;
  const std::vector<double>& values;
  const std::vector<double>& grad;
};

const std::vector<double> kTanInput = {-1.2, -0.3, 0.4, 0.9, 1.3};
const std::vector<double> kPositive = {0.3, 0.8, 1.5, 2.2, 4.0, 7.5};
const std::vector<double> kLog1pInput = {-0.5, -0.2, 0.3, 1.5, 4.0};
}  // namespace

TEST_CASE("unary maths and activations: values and gradients equal PyTorch's (float64)") {
  std::vector<Case> cases = {
      {"sin", [](auto& t) { return t.sin(); }, kX, kSinValues, kSinGrad},
      {"cos", [](auto& t) { return xg::cos(t); }, kX, kCosValues, kCosGrad},
      {"tan", [](auto& t) { return t.tan(); }, kTanInput, kTanValues, kTanGrad},
      {"atan", [](auto& t) { return xg::atan(t); }, kX, kAtanValues, kAtanGrad},
      {"log1p", [](auto& t) { return t.log1p(); }, kLog1pInput, kLog1pValues, kLog1pGrad},
      {"expm1", [](auto& t) { return xg::expm1(t); }, kX, kExpm1Values, kExpm1Grad},
      {"log2", [](auto& t) { return t.log2(); }, kPositive, kLog2Values, kLog2Grad},
      {"log10", [](auto& t) { return xg::log10(t); }, kPositive, kLog10Values, kLog10Grad},
      {"rsqrt", [](auto& t) { return t.rsqrt(); }, kPositive, kRsqrtValues, kRsqrtGrad},
      {"square", [](auto& t) { return xg::square(t); }, kX, kSquareValues, kSquareGrad},
      {"frac", [](auto& t) { return t.frac(); }, kX, kFracValues, kFracGrad},
      {"reciprocal", [](auto& t) { return xg::reciprocal(t); }, kX, kReciprocalValues, kReciprocalGrad},
      {"sign", [](auto& t) { return t.sign(); }, kX, kSignValues, kSignGrad},
      {"floor", [](auto& t) { return xg::floor(t); }, kX, kFloorValues, kFloorGrad},
      {"ceil", [](auto& t) { return t.ceil(); }, kX, kCeilValues, kCeilGrad},
      {"round", [](auto& t) { return xg::round(t); }, kRoundInput, kRoundValues, kRoundGrad},
      {"trunc", [](auto& t) { return t.trunc(); }, kX, kTruncValues, kTruncGrad},
      {"silu", [](auto& t) { return xg::silu(t); }, kX, kSiluValues, kSiluGrad},
      {"mish", [](auto& t) { return xg::mish(t); }, kX, kMishValues, kMishGrad},
      {"softplus", [](auto& t) { return xg::softplus(t); }, kX, kSoftplusValues, kSoftplusGrad},
      {"softplus(beta 2, threshold 3)", [](auto& t) { return xg::softplus(t, 2, 3); }, kX, kSoftplus2Values, kSoftplus2Grad},
      {"elu(0.7)", [](auto& t) { return xg::elu(t, 0.7); }, kX, kEluValues, kEluGrad},
      {"elu(0.7, 1.3, 0.8)", [](auto& t) { return xg::elu(t, 0.7, 1.3, 0.8); }, kX, kEluScaledValues, kEluScaledGrad},
      {"selu", [](auto& t) { return xg::selu(t); }, kX, kSeluValues, kSeluGrad},
      {"hardtanh(-1, 2)", [](auto& t) { return xg::hardtanh(t, -1, 2); }, kHardtanhInput, kHardtanhValues, kHardtanhGrad},
      {"clamp_min(0.4)", [](auto& t) { return t.clamp_min(0.4); }, kX, kClampMinValues, kClampMinGrad},
      {"clamp_max(0.4)", [](auto& t) { return xg::clamp_max(t, 0.4); }, kX, kClampMaxValues, kClampMaxGrad},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    xg::Tensor x = leaf(c.input);
    xg::Tensor y = c.fn(x);
    CHECK(y.dtype() == xg::kFloat64);
    check_torch(y, c.values);
    y.backward(upstream(y.shape()));
    check_torch(x.grad(), c.grad);
  }
  check_torch(xg::round(leaf(kRoundDecimalsInput), 2), kRoundDecimals2);
  check_torch(leaf(kRoundDecimalsInput).round(-2), kRoundDecimalsMinus2);
  check_torch(xg::tensor(kRoundDecimalsInput).round(2), kRoundDecimals2Float, 0, 0);  // float32: bit for bit
}

TEST_CASE("unary maths in float32 on 40 elements (the SIMD path) match PyTorch's float32 values") {
  xg::Tensor x = xg::tensor(kX40);
  REQUIRE(x.dtype() == xg::kFloat32);
  std::vector<std::pair<xg::Tensor, const std::vector<double>*>> results = {
      {x.sin(), &kSin40},         {x.tan(), &kTan40},       {x.atan(), &kAtan40},
      {x.log1p(), &kLog1p40},     {x.expm1(), &kExpm140},   {x.log2(), &kLog240},
      {x.log10(), &kLog1040},     {x.rsqrt(), &kRsqrt40},   {x.reciprocal(), &kReciprocal40},
      {xg::silu(x), &kSilu40},    {xg::mish(x), &kMish40},  {x.frac(), &kFrac40},
      {(x * 3.0).round(), &kRound340}, {xg::softplus(x), &kSoftplus40}, {xg::elu(x - 2.0), &kElu40}};
  for (size_t k = 0; k < results.size(); ++k) {
    CAPTURE(k);
    CHECK(results[k].first.dtype() == xg::kFloat32);
    check_torch(results[k].first, *results[k].second, 3e-7, 1e-7);  // a couple of float32 ulps
  }
}

TEST_CASE("the SIMD path (32 elements and more) agrees with the scalar path, halves round to even on both") {
  std::vector<double> values;
  for (int i = 0; i < 48; ++i) values.push_back(0.05 + 0.083 * i);
  std::vector<std::pair<const char*, Unary>> ops = {
      {"sin", [](auto& t) { return t.sin(); }},         {"cos", [](auto& t) { return t.cos(); }},
      {"tan", [](auto& t) { return t.tan(); }},         {"atan", [](auto& t) { return t.atan(); }},
      {"log1p", [](auto& t) { return t.log1p(); }},     {"expm1", [](auto& t) { return t.expm1(); }},
      {"log2", [](auto& t) { return t.log2(); }},       {"log10", [](auto& t) { return t.log10(); }},
      {"rsqrt", [](auto& t) { return t.rsqrt(); }},     {"reciprocal", [](auto& t) { return t.reciprocal(); }},
      {"frac", [](auto& t) { return t.frac(); }},       {"round", [](auto& t) { return (t * 7.0).round(); }},
      {"floor", [](auto& t) { return (t * 7.0).floor(); }}, {"ceil", [](auto& t) { return (t * 7.0).ceil(); }},
      {"trunc", [](auto& t) { return (t * -7.0).trunc(); }}, {"silu", [](auto& t) { return xg::silu(t - 2.0); }},
      {"mish", [](auto& t) { return xg::mish(t - 2.0); }}};
  for (xg::Dtype dtype : {xg::kFloat64, xg::kFloat32}) {
    xg::Tensor x = xg::tensor(values, xg::dtype(dtype));
    for (auto& [name, fn] : ops) {
      CAPTURE(std::string(name));
      CAPTURE(xg::dtype_name(dtype));
      std::vector<double> whole = fn(x).to_vector<double>();
      for (int64_t i = 0; i < 48; ++i) {
        const double one = fn(x.slice(0, i, i + 1)).item();
        CHECK(std::abs(whole[i] - one) <= (dtype == xg::kFloat64 ? 4e-16 : 2.4e-7) * std::abs(one));
      }
    }
    // Halves: torch.round(k + 0.5) goes to the even neighbour (2.5 -> 2, -1.5 -> -2).
    xg::Tensor halves = xg::arange(-20, 20, 1, xg::dtype(dtype)) + 0.5;
    std::vector<double> rounded = halves.round().to_vector<double>();
    for (int k = 0; k < 40; ++k) CHECK(rounded[k] == std::nearbyint(k - 20 + 0.5));
    CHECK(rounded[22] == 2.0);
    CHECK(rounded[18] == -2.0);
  }
}

TEST_CASE("gradcheck of the unary ops, contiguous and strided, near kinks but on one side of them") {
  // Second derivatives too, except for ops whose derivative is piecewise constant.
  std::vector<std::tuple<const char*, Unary, std::vector<double>, bool>> ops = {
      {"sin", [](auto& t) { return t.sin(); }, {-1.7, -0.93, -0.41, 0.02, 0.37, 1.26}, true},
      {"cos", [](auto& t) { return t.cos(); }, {-1.7, -0.93, -0.41, 0.02, 0.37, 1.26}, true},
      {"tan", [](auto& t) { return t.tan(); }, {-1.3, -0.93, -0.41, 0.02, 0.37, 1.26}, true},
      {"atan", [](auto& t) { return t.atan(); }, {-3.7, -0.93, -0.41, 0.02, 0.37, 2.26}, true},
      {"log1p", [](auto& t) { return t.log1p(); }, {-0.8, -0.3, 0.1, 0.7, 1.9, 3.2}, true},
      {"expm1", [](auto& t) { return t.expm1(); }, {-1.7, -0.93, -0.41, 0.02, 0.37, 1.26}, true},
      {"log2", [](auto& t) { return t.log2(); }, {0.3, 0.8, 1.5, 2.2, 4.0, 7.5}, true},
      {"log10", [](auto& t) { return t.log10(); }, {0.3, 0.8, 1.5, 2.2, 4.0, 7.5}, true},
      {"rsqrt", [](auto& t) { return t.rsqrt(); }, {0.3, 0.8, 1.5, 2.2, 4.0, 7.5}, true},
      {"square", [](auto& t) { return t.square(); }, {-1.7, -0.93, -0.41, 0.02, 0.37, 1.26}, true},
      {"reciprocal", [](auto& t) { return t.reciprocal(); }, {-1.7, -0.93, -0.41, 0.32, 0.37, 1.26}, true},
      // Near integers: frac jumps there, sign/floor/ceil/round/trunc are flat on each side.
      {"frac", [](auto& t) { return t.frac(); }, {-1.02, -0.98, -0.41, 0.02, 0.98, 1.02}, true},
      {"sign", [](auto& t) { return t.sign(); }, {-1.7, -0.93, -0.01, 0.01, 0.37, 1.26}, false},
      {"floor", [](auto& t) { return t.floor() * t; }, {-1.02, -0.98, -0.41, 0.02, 0.98, 1.02}, true},
      {"ceil", [](auto& t) { return t.ceil() * t; }, {-1.02, -0.98, -0.41, 0.02, 0.98, 1.02}, true},
      {"round", [](auto& t) { return t.round() * t; }, {-1.52, -0.48, -0.41, 0.02, 0.52, 1.48}, true},
      {"round(1)", [](auto& t) { return t.round(1) * t; }, {-1.52, -0.48, -0.41, 0.02, 0.52, 1.48}, true},
      {"trunc", [](auto& t) { return t.trunc() * t; }, {-1.02, -0.98, -0.41, 0.02, 0.98, 1.02}, true},
      {"silu", [](auto& t) { return xg::silu(t); }, {-3.7, -0.93, -0.41, 0.02, 0.37, 2.26}, true},
      {"mish", [](auto& t) { return xg::mish(t); }, {-3.7, -0.93, -0.41, 0.02, 0.37, 2.26}, true},
      {"softplus", [](auto& t) { return xg::softplus(t); }, {-3.7, -0.93, -0.41, 0.02, 0.37, 2.26}, true},
      // beta x around the threshold 3: 2.98 and 3.02
      {"softplus(2, 3)", [](auto& t) { return xg::softplus(t, 2, 3); }, {-3.7, -0.93, 1.49, 1.51, 0.37, 2.26}, true},
      {"elu", [](auto& t) { return xg::elu(t, 0.7, 1.3, 0.8); }, {-3.7, -0.93, -0.01, 0.01, 0.37, 2.26}, true},
      {"selu", [](auto& t) { return xg::selu(t); }, {-3.7, -0.93, -0.01, 0.01, 0.37, 2.26}, true},
      {"hardtanh", [](auto& t) { return xg::hardtanh(t, -1, 2); }, {-1.3, -0.99, -0.2, 0.5, 1.99, 2.01}, true},
      {"clamp_min", [](auto& t) { return t.clamp_min(0.4); }, {-1.3, 0.39, -0.2, 0.41, 1.99, 2.01}, true},
      {"clamp_max", [](auto& t) { return t.clamp_max(0.4); }, {-1.3, 0.39, -0.2, 0.41, 1.99, 2.01}, true},
  };
  for (auto& [name, fn, values, twice] : ops) {
    CAPTURE(std::string(name));
    gradcheck_unary(fn, values, twice);
  }
}

TEST_CASE("sign, floor, ceil, round and trunc have a zero gradient, as PyTorch") {
  xg::Tensor x = leaf({0.5, -1.5, 2.0});
  for (const Unary& fn : std::vector<Unary>{[](auto& t) { return t.sign(); }, [](auto& t) { return t.floor(); },
                                            [](auto& t) { return t.ceil(); }, [](auto& t) { return t.round(); },
                                            [](auto& t) { return t.round(1); }, [](auto& t) { return t.trunc(); }}) {
    xg::Tensor y = fn(x);
    CHECK(y.requires_grad());  // the graph still runs through them
    y.sum().backward();
    check_values(x.grad(), {0, 0, 0});
    x.mutable_grad() = xg::Tensor();
  }
}

TEST_CASE("maximum and minimum: values, tie and NaN gradients, broadcasting, as PyTorch") {
  for (bool is_max : {true, false}) {
    CAPTURE(is_max);
    auto op = [is_max](const xg::Tensor& a, const xg::Tensor& b) { return is_max ? a.maximum(b) : xg::minimum(a, b); };
    xg::Tensor a = leaf({1.0, 2.0, 3.0, NAN, 5.0, -1.0}), b = leaf({1.0, 3.0, 2.0, 4.0, NAN, -1.0});
    xg::Tensor y = op(a, b);
    check_torch(y, is_max ? kMaximumValues : kMinimumValues);
    y.backward(upstream({6}));
    check_torch(a.grad(), is_max ? kMaximumGradA : kMinimumGradA);
    check_torch(b.grad(), is_max ? kMaximumGradB : kMinimumGradB);
    xg::Tensor wide = leaf({1.0, 5.0, 2.0, 3.0, 0.0, 2.0}, {2, 3}), row = leaf({2.0, 1.0, 2.0});
    y = op(wide, row);
    check_torch(y, is_max ? kMaximumBroadcastValues : kMinimumBroadcastValues);
    y.backward(upstream({2, 3}));
    check_torch(wide.grad(), is_max ? kMaximumBroadcastGradA : kMinimumBroadcastGradA);
    check_torch(row.grad(), is_max ? kMaximumBroadcastGradB : kMinimumBroadcastGradB);
    // gradcheck away from ties (0.01 apart), broadcast, transposed and expanded operands
    xg::Tensor p = leaf({0.3, -1.2, 0.71, 2.0, -0.5, 1.1}, {2, 3}), q = leaf({0.31, -1.25, 0.7}, {3});
    auto fn = [&](const Inputs& in) { return op(in[0], in[1]); };
    CHECK(gradcheck(fn, {p, q}));
    CHECK(gradgradcheck(fn, {p, q}));
    CHECK(gradcheck([&](const Inputs& in) { return op(in[0].t(), in[1].expand({3, 2})); },
                    {leaf({0.3, -1.2, 0.71, 2.0, -0.5, 1.1}, {2, 3}), leaf({0.29, -0.6}, {1, 2})}));
  }
}

TEST_CASE("lerp, addcmul and addcdiv: values and gradients of every operand equal PyTorch's") {
  const std::vector<double> self_values = {1.0, 2.0, -3.0, 4.0}, end_values = {5.0, -6.0, 7.0, 8.0};
  for (double weight : {0.3, 0.8}) {
    xg::Tensor s = leaf(self_values), e = leaf(end_values);
    xg::Tensor y = s.lerp(e, weight);
    check_torch(y, weight == 0.3 ? kLerp03Values : kLerp08Values);
    y.backward(upstream({4}));
    check_torch(s.grad(), weight == 0.3 ? kLerp03GradSelf : kLerp08GradSelf);
    check_torch(e.grad(), weight == 0.3 ? kLerp03GradEnd : kLerp08GradEnd);
  }
  CHECK(xg::lerp(xg::tensor({1.0, -2.0}), xg::tensor({3.5, 7.25}), 1.0).to_vector<double>() == std::vector<double>{3.5, 7.25});
  xg::Tensor s = leaf(self_values), e = leaf({5.0, -6.0, 7.0, 8.0, 0.5, 1.5, -2.5, 3.5}, {2, 4}), w = leaf({0.1, 0.5, 0.9, 1.2});
  xg::Tensor y = xg::lerp(s, e, w);
  check_torch(y, kLerpTensorValues);
  y.backward(upstream({2, 4}));
  check_torch(s.grad(), kLerpTensorGradSelf);
  check_torch(e.grad(), kLerpTensorGradEnd);
  check_torch(w.grad(), kLerpTensorGradWeight);

  for (bool multiply : {true, false}) {
    CAPTURE(multiply);
    xg::Tensor self = leaf({1.0, -2.0, 3.0}), t1 = leaf({1.5, -0.5}, {2, 1});
    xg::Tensor t2 = leaf({2.0, -1.0, 0.5, 4.0, 0.25, -3.0}, {2, 3});
    xg::Tensor out = multiply ? self.addcmul(t1, t2, 0.5) : xg::addcdiv(self, t1, t2, 0.5);
    check_torch(out, multiply ? kAddcmulValues : kAddcdivValues);
    out.backward(upstream({2, 3}));
    check_torch(self.grad(), multiply ? kAddcmulGradSelf : kAddcdivGradSelf);
    check_torch(t1.grad(), multiply ? kAddcmulGradT1 : kAddcdivGradT1);
    check_torch(t2.grad(), multiply ? kAddcmulGradT2 : kAddcdivGradT2);
  }
}

TEST_CASE("gradcheck of lerp, addcmul, addcdiv, remainder and fmod: broadcast, transposed, expanded") {
  xg::Tensor a = leaf({0.3, -1.2, 0.7, 2.0, -0.5, 1.1}, {2, 3}), b = leaf({1.4, 0.65, -2.2}, {3});
  xg::Tensor c = leaf({0.9, -1.3}, {2, 1}), w = leaf({0.2, 0.6, 0.35}, {3});
  std::vector<std::pair<const char*, xg::autograd::Function>> fns = {
      {"lerp number", [](const Inputs& in) { return xg::lerp(in[0], in[1], 0.3); }},
      {"lerp number, far end", [](const Inputs& in) { return in[0].lerp(in[1], 0.8); }},
      {"lerp tensor", [](const Inputs& in) { return xg::lerp(in[0], in[1], in[3]); }},
      {"addcmul", [](const Inputs& in) { return xg::addcmul(in[0], in[1], in[2], 0.5); }},
      {"addcdiv", [](const Inputs& in) { return in[0].addcdiv(in[2], in[1], -1.5); }},
      {"remainder", [](const Inputs& in) { return xg::remainder(in[0], in[1]); }},
      {"fmod", [](const Inputs& in) { return in[0].fmod(in[1]); }},
      {"remainder number", [](const Inputs& in) { return in[0].remainder(-0.45) * in[2]; }},
      {"fmod number", [](const Inputs& in) { return xg::fmod(in[0], 0.45) * in[2]; }},
  };
  for (auto& [name, fn] : fns) {
    CAPTURE(std::string(name));
    CHECK(gradcheck(fn, {a, b, c, w}));
    CHECK(gradgradcheck(fn, {a, b, c, w}));
  }
  // Strided operands: a transposed self, an expanded weight.
  xg::Tensor at = leaf({0.3, 2.0, -1.2, -0.5, 0.7, 1.1}, {3, 2});
  CHECK(gradcheck([](const Inputs& in) { return xg::lerp(in[0].t(), in[1], in[2].expand({2, 3})); },
                  {at, b, leaf({0.2, 0.6, 0.35}, {1, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::addcdiv(in[0].t(), in[1].expand({2, 3}), in[2].t(), 2.0); },
                  {at, leaf({0.2, 0.6, 0.35}, {1, 3}), leaf({1.5, -2.0, 0.8, 1.2, -0.9, 2.5}, {3, 2})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::remainder(in[0].t(), in[1].slice(0, 0, 6, 2)); },
                  {at, leaf({1.4, 9, 0.65, 9, -2.2, 9})}));
}

TEST_CASE("remainder and fmod: values, sign conventions and gradients equal PyTorch's") {
  xg::Tensor a = xg::tensor(kModA, xg::dtype(xg::kFloat64)), b = xg::tensor(kModB, xg::dtype(xg::kFloat64));
  check_torch(xg::remainder(a, b), kRemainderValues);
  check_torch(a.fmod(b), kFmodValues);
  for (bool python : {true, false}) {
    CAPTURE(python);
    xg::Tensor x = leaf(std::vector<double>(kModA.begin(), kModA.begin() + 8));
    xg::Tensor y = leaf(std::vector<double>(kModB.begin(), kModB.begin() + 8));
    xg::Tensor out = python ? x.remainder(y) : xg::fmod(x, y);
    out.backward(upstream({8}));
    check_torch(x.grad(), python ? kRemainderGradA : kFmodGradA);
    check_torch(y.grad(), python ? kRemainderGradB : kFmodGradB);
  }
  // Integers stay integers; x % -1 is 0 even for the smallest int64 (where PyTorch 1.13 crashes with SIGFPE).
  xg::Tensor ia = xg::tensor({7.0, -7.0, 7.0, -7.0, 0.0, 9.0, -9007199254740991.0}, xg::kInt64);
  xg::Tensor ib = xg::tensor({3, 3, -3, -3, 5, -1, 2}, xg::kInt64);
  CHECK(xg::remainder(ia, ib).dtype() == xg::kInt64);
  check_torch(xg::remainder(ia, ib), kRemainderInt);
  check_torch(xg::fmod(ia, ib), kFmodInt);
  xg::Tensor smallest = xg::full({1}, -9223372036854775808.0, xg::kInt64);
  CHECK(smallest.remainder(-1).item<int64_t>() == 0);
  CHECK(smallest.fmod(-1).item<int64_t>() == 0);
  xg::Tensor small_ints = xg::tensor({-3, 3, 5, -5}, xg::kInt64);
  xg::Tensor by_float = small_ints.remainder(2.5);
  CHECK(by_float.dtype() == xg::kFloat32);
  check_torch(by_float, kRemainderIntScalar);
  CHECK(small_ints.fmod(-2).dtype() == xg::kInt64);
  check_torch(small_ints.fmod(-2), kFmodIntScalar);
  CHECK(xg::remainder(xg::tensor({5}, xg::kInt32), xg::tensor({3}, xg::kInt64)).dtype() == xg::kInt64);
  CHECK(std::isnan(xg::tensor({1.0}).remainder(0.0).item()));
  CHECK(std::isnan(xg::fmod(xg::tensor({1.0}), xg::tensor({0.0})).item()));
  CHECK_THROWS_WITH_AS(small_ints.remainder(0), doctest::Contains("division by zero"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::fmod(small_ints, xg::tensor({1, 0, 1, 1}, xg::kInt64)), doctest::Contains("fmod"),
                       std::invalid_argument);
  xg::Tensor flags = xg::tensor({1, 0}, xg::kBool);
  CHECK_THROWS_WITH_AS(xg::remainder(flags, flags), doctest::Contains("bool"), std::invalid_argument);
  CHECK(flags.remainder(2).dtype() == xg::kInt64);  // PyTorch: bool with an int is int64
}

TEST_CASE("integer and bool inputs give PyTorch's dtypes") {
  xg::Tensor ints = xg::tensor({1, 0, 2}, xg::kInt64), int32s = xg::tensor({1, 0, 2}, xg::kInt32);
  xg::Tensor flags = xg::tensor({1, 0, 1}, xg::kBool);
  // Transcendental: float32.
  for (const Unary& fn : std::vector<Unary>{[](auto& t) { return t.sin(); }, [](auto& t) { return t.cos(); },
                                            [](auto& t) { return t.tan(); }, [](auto& t) { return t.atan(); },
                                            [](auto& t) { return t.log1p(); }, [](auto& t) { return t.expm1(); },
                                            [](auto& t) { return t.log2(); }, [](auto& t) { return t.log10(); },
                                            [](auto& t) { return t.rsqrt(); }, [](auto& t) { return t.reciprocal(); }}) {
    CHECK(fn(ints).dtype() == xg::kFloat32);
    CHECK(fn(int32s).dtype() == xg::kFloat32);
    CHECK(fn(flags).dtype() == xg::kFloat32);
  }
  check_values(ints.sin(), {0.84147096, 0, 0.90929741});  // torch: [0.8414709568023682, 0.0, 0.9092974066734314]
  CHECK(ints.reciprocal().to_vector<double>() == std::vector<double>{1, INFINITY, 0.5});
  CHECK(flags.log2().to_vector<double>() == std::vector<double>{0, -INFINITY, 0});
  // Integer-preserving.
  CHECK(ints.square().dtype() == xg::kInt64);
  CHECK(int32s.square().dtype() == xg::kInt32);
  CHECK(flags.square().dtype() == xg::kInt64);  // torch: bool squared is int64
  CHECK(ints.square().to_vector<int64_t>() == std::vector<int64_t>{1, 0, 4});
  CHECK(xg::tensor({-3, 0, 3}, xg::kInt32).sign().to_vector<int>() == std::vector<int>{-1, 0, 1});
  CHECK(flags.sign().dtype() == xg::kBool);
  for (const Unary& fn : std::vector<Unary>{[](auto& t) { return t.floor(); }, [](auto& t) { return t.ceil(); },
                                            [](auto& t) { return t.round(); }, [](auto& t) { return t.trunc(); }}) {
    xg::Tensor r = fn(ints);
    CHECK(r.dtype() == xg::kInt64);
    CHECK(r.to_vector<int64_t>() == std::vector<int64_t>{1, 0, 2});
    CHECK(r.impl() != ints.impl());  // a copy, not the input
    CHECK_THROWS_WITH_AS(fn(flags), doctest::Contains("bool"), std::invalid_argument);
  }
  // Floating point only.
  for (const Unary& fn : std::vector<Unary>{[](auto& t) { return t.frac(); }, [](auto& t) { return t.round(2); },
                                            [](auto& t) { return xg::silu(t); }, [](auto& t) { return xg::mish(t); },
                                            [](auto& t) { return xg::softplus(t); }, [](auto& t) { return xg::elu(t); },
                                            [](auto& t) { return xg::selu(t); }}) {
    CHECK_THROWS_WITH_AS(fn(ints), doctest::Contains("int64"), std::invalid_argument);
  }
  // hardtanh keeps integer dtypes, with the bounds truncated; bool is refused.
  xg::Tensor spread = xg::tensor({-3, 0, 3}, xg::kInt64);
  CHECK(xg::hardtanh(spread, -1.5, 1.5).to_vector<int64_t>() == std::vector<int64_t>{-1, 0, 1});
  CHECK(xg::hardtanh(spread.to(xg::kInt32)).dtype() == xg::kInt32);
  CHECK_THROWS_WITH_AS(xg::hardtanh(flags), doctest::Contains("bool"), std::invalid_argument);
  CHECK(std::isnan(xg::hardtanh(xg::tensor({1.0}), NAN, 1).item()));  // torch: [nan], a NaN bound gives NaN
  CHECK(std::isnan(xg::hardtanh(xg::tensor({NAN, 5.0})).to_vector<double>()[0]));
  // clamp_min / clamp_max: integral bounds keep integers; others, and NaN, give float32.
  CHECK(spread.clamp_min(0).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 3});
  CHECK(spread.clamp_max(2).to_vector<int64_t>() == std::vector<int64_t>{-3, 0, 2});
  CHECK(xg::tensor({-3, 0, 3}, xg::kInt32).clamp_min(1).dtype() == xg::kInt32);
  xg::Tensor halves = spread.clamp_min(0.5);
  CHECK(halves.dtype() == xg::kFloat32);
  CHECK(halves.to_vector<double>() == std::vector<double>{0.5, 0.5, 3});
  CHECK(std::isnan(spread.clamp_min(NAN).to_vector<double>()[0]));
  CHECK(xg::tensor({NAN}).clamp_min(0).to_vector<double>()[0] != 0);  // NaN stays NaN
  CHECK(flags.clamp_min(0).dtype() == xg::kInt64);
  // maximum / minimum promote like the arithmetic ops.
  CHECK(xg::maximum(ints, xg::tensor({0.5, 0.5, 0.5})).dtype() == xg::kFloat32);
  CHECK(xg::maximum(ints, flags).dtype() == xg::kInt64);
  CHECK(xg::maximum(flags, flags).dtype() == xg::kBool);
  CHECK(xg::maximum(int32s, xg::scalar_tensor(2, xg::kInt64)).dtype() == xg::kInt32);
  CHECK(xg::minimum(int32s, ints).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 2});
  // addcmul / addcdiv: promotion over the three operands; an integer op casts the value to the integer type.
  xg::Tensor pair = xg::tensor({1, 2}, xg::kInt64);
  CHECK(xg::addcmul(pair, xg::tensor({3, 4}, xg::kInt64), xg::tensor({5, 6}, xg::kInt64), 0.5).to_vector<int64_t>() ==
        std::vector<int64_t>{1, 2});  // torch: [1, 2]
  CHECK(xg::addcmul(pair, xg::tensor({3, 4}, xg::kInt64), xg::tensor({5, 6}, xg::kInt64), 2).to_vector<int64_t>() ==
        std::vector<int64_t>{31, 50});  // torch: [31, 50]
  CHECK(xg::addcmul(xg::tensor({1.0}), pair, pair).dtype() == xg::kFloat32);
  CHECK(xg::addcmul(xg::tensor({1.0}), xg::tensor({2.0}, xg::kFloat64), xg::tensor({3.0}, xg::kFloat64)).dtype() ==
        xg::kFloat64);
  CHECK(xg::addcmul(xg::tensor({1.0}), xg::scalar_tensor(2.0, xg::kFloat64), xg::tensor({3.0})).dtype() == xg::kFloat32);
  CHECK(xg::addcmul(xg::tensor({1}, xg::kInt32), xg::scalar_tensor(2, xg::kInt64), xg::tensor({3}, xg::kInt32)).dtype() ==
        xg::kInt32);
  CHECK_THROWS_WITH_AS(xg::addcmul(flags, flags, flags), doctest::Contains("bool"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::addcdiv(pair, pair, pair), doctest::Contains("integer division"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::addcdiv(xg::tensor({1.0, 2.0}), pair, pair), doctest::Contains("integer division"),
                       std::invalid_argument);
  xg::Tensor mixed = xg::addcdiv(xg::tensor({-3, 3, 5, -5}, xg::kInt64), xg::tensor({-3.0, 3.0, 5.5, -5.5}),
                                 xg::tensor({-3.0, 3.0, 5.5, -5.5}));
  CHECK(mixed.dtype() == xg::kFloat32);
  check_values(mixed, {-2, 4, 6, -4});  // torch: [-2.0, 4.0, 6.0, -4.0]
  // lerp does not promote.
  CHECK_THROWS_WITH_AS(xg::lerp(xg::tensor({1.0}), xg::tensor({1.0}, xg::kFloat64), 0.5),
                       doctest::Contains("expected dtype float32 for `end`"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::lerp(xg::tensor({1.0}), xg::tensor({1.0}), xg::scalar_tensor(0.5, xg::kFloat64)),
                       doctest::Contains("`weight`"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::lerp(pair, pair, 0.5), doctest::Contains("int64"), std::invalid_argument);
}

TEST_CASE("in-place forms write what the out-of-place forms return, also through strided views") {
  using InPlace = std::function<void(xg::Tensor&)>;
  const xg::Tensor other = xg::tensor({1.1, -0.6, 0.9, 2.3}, {2, 2}, xg::kFloat64);
  const xg::Tensor weight = xg::tensor({0.2, 0.7, -0.3, 1.1}, {2, 2}, xg::kFloat64);
  std::vector<std::tuple<const char*, InPlace, Unary>> pairs = {
      {"sin_", [](xg::Tensor& t) { t.sin_(); }, [](auto& t) { return t.sin(); }},
      {"cos_", [](xg::Tensor& t) { xg::cos_(t); }, [](auto& t) { return t.cos(); }},
      {"tan_", [](xg::Tensor& t) { t.tan_(); }, [](auto& t) { return t.tan(); }},
      {"atan_", [](xg::Tensor& t) { t.atan_(); }, [](auto& t) { return t.atan(); }},
      {"log1p_", [](xg::Tensor& t) { t.log1p_(); }, [](auto& t) { return t.log1p(); }},
      {"expm1_", [](xg::Tensor& t) { xg::expm1_(t); }, [](auto& t) { return t.expm1(); }},
      {"log2_", [](xg::Tensor& t) { t.log2_(); }, [](auto& t) { return t.log2(); }},
      {"log10_", [](xg::Tensor& t) { t.log10_(); }, [](auto& t) { return t.log10(); }},
      {"rsqrt_", [](xg::Tensor& t) { t.rsqrt_(); }, [](auto& t) { return t.rsqrt(); }},
      {"square_", [](xg::Tensor& t) { t.square_(); }, [](auto& t) { return t.square(); }},
      {"sign_", [](xg::Tensor& t) { xg::sign_(t); }, [](auto& t) { return t.sign(); }},
      {"floor_", [](xg::Tensor& t) { t.floor_(); }, [](auto& t) { return t.floor(); }},
      {"ceil_", [](xg::Tensor& t) { t.ceil_(); }, [](auto& t) { return t.ceil(); }},
      {"round_", [](xg::Tensor& t) { t.round_(); }, [](auto& t) { return t.round(); }},
      {"round_(1)", [](xg::Tensor& t) { t.round_(1); }, [](auto& t) { return t.round(1); }},
      {"trunc_", [](xg::Tensor& t) { xg::trunc_(t); }, [](auto& t) { return t.trunc(); }},
      {"frac_", [](xg::Tensor& t) { t.frac_(); }, [](auto& t) { return t.frac(); }},
      {"reciprocal_", [](xg::Tensor& t) { t.reciprocal_(); }, [](auto& t) { return t.reciprocal(); }},
      {"clamp_min_", [](xg::Tensor& t) { t.clamp_min_(1.0); }, [](auto& t) { return t.clamp_min(1.0); }},
      {"clamp_max_", [](xg::Tensor& t) { xg::clamp_max_(t, 1.0); }, [](auto& t) { return t.clamp_max(1.0); }},
      {"silu_", [](xg::Tensor& t) { xg::silu_(t); }, [](auto& t) { return xg::silu(t); }},
      {"mish_", [](xg::Tensor& t) { xg::mish_(t); }, [](auto& t) { return xg::mish(t); }},
      {"elu_", [](xg::Tensor& t) { xg::elu_(t, 0.5); }, [](auto& t) { return xg::elu(t, 0.5); }},
      {"selu_", [](xg::Tensor& t) { xg::selu_(t); }, [](auto& t) { return xg::selu(t); }},
      {"hardtanh_", [](xg::Tensor& t) { xg::hardtanh_(t, 0.5, 1.0); }, [](auto& t) { return xg::hardtanh(t, 0.5, 1.0); }},
      {"lerp_", [&](xg::Tensor& t) { t.lerp_(other, 0.3); }, [&](auto& t) { return t.lerp(other, 0.3); }},
      {"lerp_ tensor", [&](xg::Tensor& t) { t.lerp_(other, weight); }, [&](auto& t) { return t.lerp(other, weight); }},
      {"addcmul_", [&](xg::Tensor& t) { t.addcmul_(other, weight, 0.5); }, [&](auto& t) { return t.addcmul(other, weight, 0.5); }},
      {"addcdiv_", [&](xg::Tensor& t) { t.addcdiv_(weight, other); }, [&](auto& t) { return t.addcdiv(weight, other); }},
      {"remainder_", [](xg::Tensor& t) { t.remainder_(0.7); }, [](auto& t) { return t.remainder(0.7); }},
      {"remainder_ tensor", [&](xg::Tensor& t) { t.remainder_(other); }, [&](auto& t) { return t.remainder(other); }},
      {"fmod_", [](xg::Tensor& t) { t.fmod_(-0.7); }, [](auto& t) { return t.fmod(-0.7); }},
      {"fmod_ tensor", [&](xg::Tensor& t) { t.fmod_(other); }, [&](auto& t) { return t.fmod(other); }},
  };
  const std::vector<double> values = {0.3, 0.8, 1.5, 2.2};  // in every op's domain
  for (auto& [name, inplace, outofplace] : pairs) {
    CAPTURE(std::string(name));
    xg::Tensor x = xg::tensor(values, {2, 2}, xg::kFloat64);
    const std::vector<double> expected = outofplace(x).to_vector<double>();
    inplace(x);
    CHECK(x.to_vector<double>() == expected);
    // Through a transposed view: the base's elements change, in the base's order.
    xg::Tensor base = xg::tensor(values, {2, 2}, xg::kFloat64);
    xg::Tensor view = base.t();
    const std::vector<double> expected_view = outofplace(view).contiguous().to_vector<double>();
    inplace(view);
    CHECK(view.contiguous().to_vector<double>() == expected_view);
    CHECK(base.t().contiguous().to_vector<double>() == expected_view);
  }
}

TEST_CASE("in-place ops record history on non-leaves and views, and gradcheck through them") {
  xg::Tensor x = leaf({0.3, -1.2, 2.5, 0.7});
  xg::Tensor y = x * 1.0;
  y.sin_();
  CHECK(y.grad_fn_name() == "SinBackward");
  y.backward(upstream({4}));
  check_values(x.grad(), (upstream({4}) * x.detach().cos()).to_vector<double>(), 1e-12);

  std::vector<std::pair<const char*, xg::autograd::Function>> fns = {
      {"tan_", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.tan_(); return t; }},
      {"clamp_min_ on a slice (CopySlices)",
       [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.slice(1, 1, 3).clamp_min_(0.4); return t; }},
      {"hardtanh_ on a transposed view",
       [](const Inputs& in) { xg::Tensor t = in[0] * 2.0; xg::Tensor v = t.t(); xg::hardtanh_(v, -0.5, 0.9); return t; }},
      {"elu_", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; xg::elu_(t, 0.7); return t; }},
      {"addcmul_", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.addcmul_(in[1], in[2], 0.5); return t; }},
      {"addcdiv_ on a row", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t[1].addcdiv_(in[1][0], in[2][0], 2.0); return t; }},
      {"lerp_ with a tensor weight", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.lerp_(in[1], in[2]); return t; }},
      {"remainder_ by a tensor", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.remainder_(in[2]); return t; }},
      {"fmod_ by a tensor", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.fmod_(in[2]); return t; }},
      // self as an operand: the op reads the old value
      {"addcmul_ of itself", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.addcmul_(t, t, 0.5); return t; }},
      {"lerp_ towards itself", [](const Inputs& in) { xg::Tensor t = in[0] * 1.0; t.lerp_(t * 2.0, 0.25); return t; }},
  };
  Inputs inputs = {leaf({0.3, -1.2, 0.7, 2.1, -0.45, 1.1}, {2, 3}), leaf({1.4, 0.6, -2.2, 0.8, 1.9, -0.3}, {2, 3}),
                   leaf({0.9, -1.3, 1.7, 0.55, -0.8, 2.4}, {2, 3})};
  for (auto& [name, fn] : fns) {
    CAPTURE(std::string(name));
    CHECK(gradcheck(fn, inputs));
    CHECK(gradgradcheck(fn, inputs));
  }
}

TEST_CASE("in-place refusals and conversions follow PyTorch") {
  xg::Tensor parameter = leaf({0.5, 1.5});
  CHECK_THROWS_WITH_AS(parameter.sin_(), doctest::Contains("leaf"), std::logic_error);
  CHECK_THROWS_WITH_AS(parameter.slice(0, 0, 1).clamp_min_(1.0), doctest::Contains("view of a leaf"), std::logic_error);
  {
    xg::NoGradGuard no_grad;
    parameter.clamp_max_(1.0);
  }
  check_values(parameter, {0.5, 1.0});
  CHECK(parameter.is_leaf());

  xg::Tensor ints = xg::tensor({-3, 0, 3}, xg::kInt64);
  CHECK_THROWS_WITH_AS(ints.sin_(), doctest::Contains("result type float32 can't be cast to the desired output type int64"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ints.clamp_min_(0.5), doctest::Contains("can't be cast"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ints.remainder_(2.5), doctest::Contains("can't be cast"), std::invalid_argument);
  CHECK(ints.to_vector<int64_t>() == std::vector<int64_t>{-3, 0, 3});  // untouched by the refused ops
  ints.clamp_min_(1);
  CHECK(ints.dtype() == xg::kInt64);
  CHECK(ints.to_vector<int64_t>() == std::vector<int64_t>{1, 1, 3});
  ints.square_();
  CHECK(ints.to_vector<int64_t>() == std::vector<int64_t>{1, 1, 9});
  CHECK_THROWS_WITH_AS(xg::tensor({1, 0}, xg::kBool).square_(), doctest::Contains("can't be cast"), std::invalid_argument);
  xg::Tensor int32s = xg::tensor({7, -7}, xg::kInt32);
  int32s.remainder_(xg::tensor({3, 3}, xg::kInt64));  // same category: converted back, as PyTorch
  CHECK(int32s.dtype() == xg::kInt32);
  CHECK(int32s.to_vector<int>() == std::vector<int>{1, 2});
  xg::Tensor floats = xg::tensor({1.0, 2.0});
  floats.addcmul_(xg::tensor({2.0, 3.0}, xg::kFloat64), xg::tensor({0.5, 0.5}, xg::kFloat64));
  CHECK(floats.dtype() == xg::kFloat32);
  check_values(floats, {2, 3.5});

  // Operands broadcast into self, never self into them.
  xg::Tensor row = xg::zeros({3});
  CHECK_THROWS_WITH_AS(row.addcmul_(xg::ones({2, 1}), xg::ones({3})),
                       doctest::Contains("output with shape [3] doesn't match the broadcast shape [2, 3]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(row.lerp_(xg::ones({2, 3}), 0.5), doctest::Contains("doesn't match"), std::invalid_argument);
  CHECK(row.to_vector<double>() == std::vector<double>{0, 0, 0});
  CHECK_THROWS_WITH_AS(xg::ones({3, 1}).expand({3, 4}).sin_(), doctest::Contains("single memory location"),
                       std::invalid_argument);

  // A tensor saved for backward and then changed in place is caught.
  xg::Tensor x = leaf({0.5, 1.5});
  xg::Tensor a = x * 1.0;
  xg::Tensor b = a * a;  // saves a
  a.cos_();
  CHECK_THROWS_WITH_AS(b.sum().backward(), doctest::Contains("modified by an inplace operation"), std::logic_error);
}

TEST_CASE("empty tensors, undefined tensors and shape errors") {
  xg::Tensor empty = xg::zeros({0, 3});
  CHECK(empty.sin().shape() == xg::Shape{0, 3});
  CHECK(xg::softplus(empty).shape() == xg::Shape{0, 3});
  CHECK(xg::maximum(empty, xg::zeros({3})).shape() == xg::Shape{0, 3});
  CHECK(xg::lerp(empty, xg::zeros({3}), xg::zeros({1, 3})).shape() == xg::Shape{0, 3});
  CHECK(xg::addcdiv(empty, empty, xg::ones({3})).shape() == xg::Shape{0, 3});
  CHECK(xg::remainder(xg::zeros({0}, xg::kInt64), xg::zeros({0}, xg::kInt64)).numel() == 0);
  CHECK(empty.clone().sin_().shape() == xg::Shape{0, 3});

  xg::Tensor undefined;
  CHECK_THROWS_WITH_AS(xg::sin(undefined), doctest::Contains("sin: undefined"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::hardtanh(undefined), doctest::Contains("hardtanh: undefined"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::maximum(xg::ones({2}), undefined), doctest::Contains("maximum: undefined"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::addcmul(xg::ones({2}), undefined, xg::ones({2})), doctest::Contains("addcmul: undefined"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::lerp(xg::ones({2}), undefined, 0.5), doctest::Contains("lerp: undefined"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::remainder(undefined, 2.0), doctest::Contains("remainder: undefined"), std::invalid_argument);

  CHECK_THROWS_WITH_AS(xg::maximum(xg::ones({2}), xg::ones({3})), doctest::Contains("maximum: shapes [2] and [3]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::lerp(xg::ones({2}), xg::ones({3}), 0.5), doctest::Contains("lerp: shapes [2] and [3]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::addcmul(xg::ones({2}), xg::ones({2}), xg::ones({3})), doctest::Contains("addcmul: shapes"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::fmod(xg::ones({2, 2}), xg::ones({3})), doctest::Contains("fmod: shapes"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::addcmul(xg::ones({1}, xg::kInt64), xg::ones({1}, xg::kInt64), xg::ones({1}, xg::kInt64), 1e30),
                       doctest::Contains("overflow"), std::invalid_argument);
}
